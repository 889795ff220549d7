# SPDX-License-Identifier: BSD-3-Clause
"""A 90/10 canary route: 1000 real TCP connections from a Linux client to the
VIP land on reviews-v1 / reviews-v2 within 3 points of 90/10, and zdp's
per-backend counters agree with what the client saw."""
import os
import time


def test_split_90_10(gw):
    before = gw.metrics()
    r = gw.client("split", "198.18.10.1", "9080", "1000")
    assert r["errors"] == {}, r
    v1, v2 = r["counts"].get("v1", 0), r["counts"].get("v2", 0)
    assert v1 + v2 == 1000, r
    assert abs(v1 / 10 - 90) <= 3, r
    after = gw.metrics()
    picks = {k: after[k] - before.get(k, 0) for k in after
             if k.startswith("zdp_backend_picks_total") and 'route="reviews-canary"' in k}
    by_wl = {}
    for k, v in picks.items():
        wl = "v1" if "reviews-v1" in k else "v2"
        by_wl[wl] = by_wl.get(wl, 0) + v
    assert by_wl.get("v1", 0) == v1 and by_wl.get("v2", 0) == v2, (by_wl, r)
    created = after['zdp_flows_created_total{protocol="tcp"}'] - \
        before.get('zdp_flows_created_total{protocol="tcp"}', 0)
    assert created == 1000


def test_config_dump_shows_weights(gw):
    dump = gw.config_dump()
    vip = [v for v in dump["vips"] if v["name"] == "reviews-canary"][0]
    shares = {b["workload"].rsplit("/", 1)[1]: b["share"] for b in vip["backends"]}
    assert abs(shares["reviews-v1"] - 0.9) < 0.01 and abs(shares["reviews-v2"] - 0.1) < 0.01
    # Port ranges as configured: source NAT gets natPorts minus proxyPorts.
    assert dump["proxyPorts"] == "40000-65535"
    assert dump["sourceNatPorts"] == "1024-39999"
    assert dump["tcpConnectionsPerCore"] == 65536
    assert dump["verifyForwardedChecksums"] is False
    assert dump["idleSleepMicros"] == 1000      # zdptopo sets it


def _cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_idle_worker_pauses(gw):
    """gateway.idleSleepMicros (zdptopo sets 1000): with no traffic the
    worker sleeps between polls, so the whole process uses a small part of
    one core instead of all of it (a polling worker alone would use ~100%)."""
    time.sleep(0.5)         # let earlier tests' traffic drain
    c0, t0 = _cpu_seconds(gw.zdp.pid), time.monotonic()
    time.sleep(2.0)
    c1, t1 = _cpu_seconds(gw.zdp.pid), time.monotonic()
    assert (c1 - c0) / (t1 - t0) < 0.5, (c1 - c0, t1 - t0)
