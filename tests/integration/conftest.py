# SPDX-License-Identifier: BSD-3-Clause
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zdptopo  # noqa: E402


def pytest_configure(config):
    if os.geteuid() != 0:
        pytest.exit("integration tests need root (network namespaces, TAP devices)", 2)
    if not os.path.exists(zdptopo.ZDP):
        pytest.exit("zdp binary not found at %s (set ZDP_BUILD_DIR)" % zdptopo.ZDP, 2)


@pytest.fixture(scope="module")
def gw(tmp_path_factory):
    """One gateway per test module (90/10 canary, deny on 9090)."""
    with zdptopo.Gateway(tmp_path_factory.mktemp("gw")) as g:
        yield g
        assert g.alive(), "zdp died during the module: " + g.log_text()
