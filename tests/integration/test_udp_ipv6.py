# SPDX-License-Identifier: BSD-3-Clause
"""UDP through a VIP, IPv6 through the canary route, and zdp answering
ARP/ND and echo requests for its own addresses and VIPs."""


def test_udp_vip(gw):
    before = gw.metrics()
    r = gw.client("udp", "198.18.10.2", "5353", "200")
    assert r == {"ok": 200, "bad": 0, "lost": 0}, r
    after = gw.metrics()
    k = 'zdp_flows_created_total{protocol="udp"}'
    # One client socket = one flow, however many datagrams.
    assert after[k] - before.get(k, 0) == 1


def test_ipv6_canary(gw):
    r = gw.client("split", "2001:2:0:10::1", "9080", "300")
    assert r["errors"] == {}, r
    v1, v2 = r["counts"].get("v1", 0), r["counts"].get("v2", 0)
    assert v1 + v2 == 300
    # 300 samples of p=0.9: 4 standard deviations is about +-7 points.
    assert 0.83 <= v1 / 300 <= 0.97, r


def test_ping_gateway_and_vip(gw):
    for addr in ("198.18.0.1", "198.18.10.1", "2001:2::1", "2001:2:0:10::1"):
        r = gw.ns(gw.ns_cli, "ping", "-c", "2", "-i", "0.2", "-W", "2", addr, check=False)
        assert r.returncode == 0, (addr, r.stdout, r.stderr)
