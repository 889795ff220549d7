# SPDX-License-Identifier: BSD-3-Clause
"""Reload without dropping a flow: while 50 long-lived connections stream
verified data through the 90/10 route, SIGHUP switches it to 50/50. None of
them breaks or sees a wrong byte, and new connections follow 50/50. An
invalid file is then refused and the running config stays."""
import subprocess
import time

import pytest

import zdptopo


@pytest.fixture(scope="module")
def rgw(tmp_path_factory):
    with zdptopo.Gateway(tmp_path_factory.mktemp("reload")) as g:
        yield g


def wait_for(cond, secs=10):
    end = time.time() + secs
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.1)
    return False


def test_reload_keeps_flows_and_moves_new_ones(rgw, tmp_path):
    stop = str(tmp_path / "stop")
    ll = subprocess.Popen(["ip", "netns", "exec", rgw.ns_cli, zdptopo.PY, zdptopo.PEER,
                           "longlived", "198.18.10.1", "9080", "50", stop],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rgw.procs.append(ll)
    try:
        assert ll.stderr.readline().strip() == "all connected"
        time.sleep(1.0)
        gen = rgw.metrics()["zdp_config_generation"]
        rgw.reload(weights=(50, 50))
        # The file watch and the SIGHUP may each reload (same content).
        assert wait_for(lambda: rgw.metrics()["zdp_config_generation"] >= gen + 1), \
            rgw.log_text()
        # 3000 samples: at 50/50 one standard deviation is 0.9 points, so
        # the +-3 point bound is a 3-sigma check, not a coin toss.
        r = rgw.client("split", "198.18.10.1", "9080", "3000")
        time.sleep(1.0)
    finally:
        open(stop, "w").close()
    out, _ = ll.communicate(timeout=60)
    import json
    res = json.loads(out)
    assert res["ok"] == 50 and res["failed"] == [], res
    assert res["bytes"] > 50 * 4096
    assert r["errors"] == {}, r
    v1 = r["counts"].get("v1", 0)
    assert sum(r["counts"].values()) == 3000
    assert abs(v1 / 30 - 50) <= 3, r
    m = rgw.metrics()
    assert m['zdp_config_reloads_total{result="ok"}'] >= 1
    assert m['zdp_config_reloads_total{result="failed"}'] == 0


def test_invalid_reload_is_refused(rgw):
    m0 = rgw.metrics()
    with open(rgw.config, "a") as f:
        f.write("\ngateway_typo: [\n")
    rgw.zdp.send_signal(__import__("signal").SIGHUP)
    # The file watch and the SIGHUP may each try (and refuse) it.
    assert wait_for(lambda: rgw.metrics()['zdp_config_reloads_total{result="failed"}'] >=
                    m0['zdp_config_reloads_total{result="failed"}'] + 1)
    m1 = rgw.metrics()
    assert m1["zdp_config_generation"] == m0["zdp_config_generation"]
    assert "zdp.yaml:" in rgw.config_dump()["reloads"]["lastError"]
    # Still forwarding with the previous (50/50) config.
    r = rgw.client("split", "198.18.10.1", "9080", "100")
    assert sum(r["counts"].values()) == 100
    rgw.write_config(weights=(50, 50))   # restore a valid file for shutdown
