# SPDX-License-Identifier: BSD-3-Clause
"""Runs each scapy conformance script in tests/tcp/conformance/ (one file
per behaviour, each naming its RFC section) against tcp_tap_echo in a test
namespace. The scripts speak from 198.18.200.3, an address the namespace's
kernel does not own, so only the scripted peer answers."""
import glob
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = sorted(os.path.basename(p) for p in glob.glob(os.path.join(HERE, "conformance", "conf_*.py"))
                 if not p.endswith("conf_lib.py"))


@pytest.fixture(scope="module")
def harness(request):
    from conftest import _need_root_and_binary
    from tcp_harness import Harness
    _need_root_and_binary()
    h = Harness("--rcv-buf", "4096")
    request.addfinalizer(h.stop)
    return h.start()


@pytest.mark.parametrize("script", SCRIPTS)
def test_conformance(harness, script):
    env = dict(os.environ, ZDP_IFACE=harness.iface, ZDP_MAC=harness.mac,
               PYTHONPATH=os.path.join(HERE, "conformance"))
    r = subprocess.run(["ip", "netns", "exec", harness.ns, "/usr/bin/python3",
                        os.path.join(HERE, "conformance", script)],
                       env=env, capture_output=True, text=True, timeout=60)
    print(r.stdout, r.stderr[-3000:])
    assert r.returncode == 0, r.stderr[-3000:]
