# SPDX-License-Identifier: BSD-3-Clause
"""tcp-proxy routes: zdp's own TCP stack terminates the client's connection
on the VIP, picks a backend with the lb (90/10 here) under the same
authorization policy as the fast path, opens its own connection to it from
the gateway address and relays both ways: bytes intact both directions
(SHA-256), half-close passed on, a denied backend gets the client a reset,
idle relays are closed."""
import time

import pytest

import zdptopo

PVIP = "198.18.10.5"


def test_proxy_bulk_both_ways_and_half_close(gw):
    before = gw.metrics()
    r = gw.client("bulk", PVIP, "9080", str(32 << 20), timeout=300)
    assert r["error"] is None, r
    assert r["received"] == r["sent"] == 32 << 20, r
    assert r["recv_sha"] == r["sent_sha"], r
    # The client's FIN reached the backend (it closed), and the backend's
    # FIN came back: the relay ended with both half-closes.
    deadline = time.time() + 5
    while time.time() < deadline:
        m = gw.metrics()
        if m['zdp_proxy_connections_total{event="closed"}'] > \
                before['zdp_proxy_connections_total{event="closed"}']:
            break
        time.sleep(0.1)
    assert m['zdp_proxy_connections_total{event="closed"}'] == \
        before['zdp_proxy_connections_total{event="closed"}'] + 1


def test_proxy_split(gw):
    r = gw.client("split", PVIP, "9080", "300")
    assert r["errors"] == {}, r
    v1 = r["counts"].get("v1", 0)
    assert sum(r["counts"].values()) == 300
    assert 0.83 <= v1 / 300 <= 0.97, r
    m = gw.metrics()
    assert m['zdp_proxy_connections_total{event="accepted"}'] >= 300
    # The proxy's upstream connections come from the gateway address and
    # use the stack, not NAT: no NAT flows for this VIP.
    assert any(k.startswith('zdp_backend_picks_total{route="reviews-proxy"') and v > 0
               for k, v in m.items())


def test_proxy_policy_deny_resets_client(gw):
    before = gw.drops("policy_deny")
    assert gw.client("read-once", PVIP, "9090") == {"result": "reset"}
    assert gw.drops("policy_deny") == before + 1


def test_proxy_backend_reset_reaches_client(gw):
    before = gw.metrics()['zdp_proxy_connections_total{event="reset"}']
    r = gw.client("send-expect-reset", PVIP, "9091")
    assert r == {"greeting": "hello", "result": "reset"}, r
    assert gw.metrics()['zdp_proxy_connections_total{event="reset"}'] == before + 1


@pytest.fixture(scope="module")
def igw(tmp_path_factory):
    with zdptopo.Gateway(tmp_path_factory.mktemp("idle"), proxy_idle="2s") as g:
        yield g


def test_proxy_idle_timeout(igw, tmp_path):
    import json
    import subprocess
    stop = tmp_path / "stop"
    p = subprocess.Popen(["ip", "netns", "exec", igw.ns_cli, zdptopo.PY, zdptopo.PEER,
                          "hold", PVIP, "9080", "1", str(stop)],
                         stdout=subprocess.PIPE, text=True)
    igw.procs.append(p)
    try:
        assert json.loads(p.stdout.readline())["connected"] == 1
        deadline = time.time() + 10
        while time.time() < deadline and igw.metrics().get(
                'zdp_proxy_connections_total{event="idle_timeout"}', 0) < 1:
            time.sleep(0.2)
        assert igw.metrics()['zdp_proxy_connections_total{event="idle_timeout"}'] == 1
    finally:
        stop.write_text("")
        p.wait(10)


@pytest.fixture(scope="module")
def lossy(tmp_path_factory):
    # 1% loss, 1% reordering and 0.5% duplication on every RX queue of zdp:
    # both TCP connections of each relay see them.
    with zdptopo.Gateway(tmp_path_factory.mktemp("lossy"),
                         zdp_args=["--fault-drop", "10000", "--fault-reorder", "10000",
                                   "--fault-dup", "5000", "--fault-seed", "7"]) as g:
        yield g


def test_proxy_bulk_under_loss_reorder_dup(lossy):
    r = lossy.client("bulk", PVIP, "9080", str(16 << 20), timeout=300)
    assert r["error"] is None, r
    assert r["received"] == r["sent"] == 16 << 20, r
    assert r["recv_sha"] == r["sent_sha"], r
    m = lossy.metrics()
    assert m['zdp_drops_total{reason="fault_injected"}'] > 100
    # The stack saw the damage and repaired it.
    assert m['zdp_tcp_stack_total{counter="tcp_retransmits"}'] > 0
    assert m['zdp_tcp_stack_total{counter="tcp_ooo_segments"}'] > 0
    assert m['zdp_tcp_stack_total{counter="tcp_duplicate_segments"}'] > 0


def test_nat_bulk_under_loss_reorder_dup(lossy):
    """The same faults on the NAT fast path: Linux TCP on both ends repairs
    them; zdp must only stay correct (and alive) while doing so."""
    r = lossy.client("bulk", "198.18.10.1", "9080", str(8 << 20), timeout=300)
    assert r["error"] is None and r["recv_sha"] == r["sent_sha"], r
    assert lossy.alive()


def test_proxy_ipv6_is_not_offered(gw):
    """tcp-proxy routes are per VIP; the IPv6 VIP here is a NAT route, and
    the proxy VIP is IPv4 only, so an IPv6 client still gets NAT service."""
    r = gw.client("split", "2001:2:0:10::1", "9080", "20")
    assert sum(r["counts"].values()) == 20
