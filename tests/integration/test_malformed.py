# SPDX-License-Identifier: BSD-3-Clause
"""Bad input from the network: a corpus of malformed packets, each of which
zdp must drop with its named reason counter, and a few thousand fuzzed
packets after which zdp still runs, is still ready and still forwards."""
import os
import subprocess

import pytest

import zdptopo

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "malformed_corpus.py")


def cases():
    r = subprocess.run([zdptopo.PY, CORPUS, "list"], capture_output=True, text=True,
                       check=True)
    return [tuple(l.split()) for l in r.stdout.splitlines()]


def zdp_mac(gw):
    return gw.config_dump()["ports"][0]["mac"].lower()


@pytest.mark.parametrize("case,reason", cases())
def test_malformed_case_counted(gw, case, reason):
    before = gw.drops(reason)
    gw.ns(gw.ns_cli, zdptopo.PY, CORPUS, "send", gw.tap_c, zdp_mac(gw), case, "3")
    import time
    deadline = time.time() + 5
    while time.time() < deadline and gw.drops(reason) < before + 3:
        time.sleep(0.1)
    assert gw.drops(reason) >= before + 3, (case, reason, gw.drops(reason) - before)
    assert gw.alive()


def test_fuzzed_packets_leave_zdp_running(gw):
    gw.ns(gw.ns_cli, zdptopo.PY, CORPUS, "fuzz", gw.tap_c, zdp_mac(gw), "3000", "7",
          timeout=300)
    assert gw.alive() and gw.ready()
    r = gw.client("split", "198.18.10.1", "9080", "20")
    assert sum(r["counts"].values()) == 20, r
