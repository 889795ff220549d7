# SPDX-License-Identifier: BSD-3-Clause
"""Two workers on devices without symmetric RSS (net_tap picks queues its
own way): each packet is handed to the worker that owns its flow, NAT ports
are chosen so replies hash back to the creating worker, ARP/ND learning
reaches both neighbour tables — so connections, the canary split, UDP and
IPv6 all work exactly as with one worker."""
import pytest

import zdptopo


@pytest.fixture(scope="module")
def mgw(tmp_path_factory):
    with zdptopo.Gateway(tmp_path_factory.mktemp("mw"), workers=2) as g:
        yield g
        assert g.alive(), g.log_text()


def test_two_workers_forward_and_split(mgw):
    r = mgw.client("split", "198.18.10.1", "9080", "400")
    assert r["errors"] == {}, r
    v1 = r["counts"].get("v1", 0)
    assert sum(r["counts"].values()) == 400
    assert 0.84 <= v1 / 400 <= 0.96, r
    m = mgw.metrics()
    # Both workers created flows (the tuple hash spreads them) ...
    dump_workers = mgw.config_dump()["workers"]
    assert dump_workers == 2
    # ... and packets were handed between them, none lost on the way.
    assert m['zdp_handoff_packets_total{direction="out"}'] > 0
    assert m['zdp_drops_total{reason="handoff_ring_full"}'] == 0
    assert m['zdp_drops_total{reason="no_flow"}'] == 0
    # Per-worker occupancy adds up, and each worker has its own table.
    assert m["zdp_flows_capacity"] == 2 * 65536
    per = [m['zdp_worker_flows_active{worker="%d"}' % w] for w in (0, 1)]
    assert sum(per) == m["zdp_flows_active"] and all(n > 0 for n in per), per


def test_two_workers_udp_and_ipv6(mgw):
    assert mgw.client("udp", "198.18.10.2", "5353", "50") == {"ok": 50, "bad": 0, "lost": 0}
    r = mgw.client("split", "2001:2:0:10::1", "9080", "100")
    assert sum(r["counts"].values()) == 100 and r["errors"] == {}, r


def test_two_workers_icmp_error_reaches_flow_owner(mgw, tmp_path):
    """The error's outer header hashes elsewhere; the quoted header names
    the worker that owns the flow, and the translation happens there."""
    from test_icmp_errors import check_frag_needed
    # Each connection's outer and quoted headers hash independently, so
    # several rounds make a wrong owner choice show up.
    for i in range(4):
        d = tmp_path / str(i)
        d.mkdir()
        check_frag_needed(mgw, d)


def test_two_workers_tcp_proxy(mgw):
    """tcp-proxy with two workers: each client connection is terminated by
    the worker its tuple hashes to, whose upstream port is chosen so the
    backend's replies hash back to it; both workers' stacks carry relays,
    and /tcp/connections lists them per worker."""
    r = mgw.client("split", zdptopo.PVIP4, "9080", "200")
    assert r["errors"] == {} and sum(r["counts"].values()) == 200, r
    assert 0.8 <= r["counts"].get("v1", 0) / 200 <= 1.0, r
    for host in (zdptopo.PVIP4, zdptopo.PVIP6):
        b = mgw.client("bulk", host, "9080", str(8 << 20))
        assert b["error"] is None and b["received"] == 8 << 20, b
        assert b["recv_sha"] == b["sent_sha"], b
    d = mgw.tcp_connections()
    assert [w["worker"] for w in d["workers"]] == [0, 1]
    m = mgw.metrics()
    assert m['zdp_proxy_connections_total{event="accepted"}'] == 202
    assert m['zdp_proxy_connections_total{event="failed"}'] == 0
    # The stack of each worker saw passive opens (the hash spreads tuples).
    per_worker = [w["inUse"] for w in d["workers"]]
    assert all(n > 0 for n in per_worker), per_worker
