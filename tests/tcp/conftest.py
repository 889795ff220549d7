# SPDX-License-Identifier: BSD-3-Clause
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcp_harness import Harness, harness_binary  # noqa: E402


def _need_root_and_binary():
    if os.geteuid() != 0:
        pytest.skip("needs root for network namespaces")
    if not os.path.exists(harness_binary()):
        pytest.skip("tcp_tap_echo not built (set ZDP_BUILD_DIR)")


@pytest.fixture
def make_harness(request):
    """Factory: make_harness('--loss', '1') -> started Harness, always stopped."""
    _need_root_and_binary()
    made = []

    def make(*args):
        h = Harness(*args)
        made.append(h)
        return h.start()

    def fin():
        for h in made:
            h.stop()
    request.addfinalizer(fin)
    return make
