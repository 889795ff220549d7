# SPDX-License-Identifier: BSD-3-Clause
"""ICMP errors about NATed packets are translated (RFC 5508 §4.2): a
"fragmentation needed" that a backend sends about the gateway's packet
(snat:port -> backend) reaches the client as an error about its own packet
(client:port -> VIP), from the VIP, with correct checksums — so path-MTU
discovery works through zdp."""
import json
import os
import re
import subprocess
import time

import zdptopo

PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "icmp_probe.py")


def test_frag_needed_from_backend_reaches_client(gw, tmp_path):
    check_frag_needed(gw, tmp_path)


def check_frag_needed(gw, tmp_path):
    """Shared with test_multiworker.py (errors must reach the flow's owner)."""
    stop = tmp_path / "stop"
    hold = subprocess.Popen(["ip", "netns", "exec", gw.ns_cli, zdptopo.PY, zdptopo.PEER,
                             "hold", "198.18.10.1", "9080", "1", str(stop)],
                            stdout=subprocess.PIPE, text=True)
    gw.procs.append(hold)
    try:
        assert json.loads(hold.stdout.readline())["connected"] == 1
        # The connection as each side sees it.
        cli = gw.ns(gw.ns_cli, "ss", "-tnH", "dst", "198.18.10.1:9080").stdout
        cport = int(re.search(r"198\.18\.0\.2:(\d+)", cli).group(1))
        be = gw.ns(gw.ns_be, "ss", "-tnH", "src", "198.18.1.0/24", "dst", "198.18.1.1").stdout
        m = re.search(r"(198\.18\.1\.1[01]):9080\s+198\.18\.1\.1:(\d+)", be)
        assert m, be
        backend, nport = m.group(1), int(m.group(2))

        sn = subprocess.Popen(["ip", "netns", "exec", gw.ns_cli, zdptopo.PY, PROBE, "sniff",
                               gw.tap_c, "5"], stdout=subprocess.PIPE, text=True)
        gw.procs.append(sn)
        assert sn.stdout.readline().strip() == "ready"
        time.sleep(0.5)
        before = gw.metrics()["zdp_icmp_errors_translated_total"]
        gw.ns(gw.ns_be, zdptopo.PY, PROBE, "frag-needed", backend, "198.18.1.1",
              "198.18.1.1", str(nport), backend, "9080", "1280")
        got = json.loads(sn.stdout.readline())
        sn.wait(10)
    finally:
        stop.write_text("")
        hold.wait(10)
    assert got, "no ICMP error reached the client"
    assert (got["src"], got["dst"]) == ("198.18.10.1", "198.18.0.2"), got
    assert (got["type"], got["code"], got["mtu"]) == (3, 4, 1280), got
    assert (got["isrc"], got["isport"], got["idst"], got["idport"]) == \
        ("198.18.0.2", cport, "198.18.10.1", 9080), got
    assert got["csum_ok"], got
    assert gw.metrics()["zdp_icmp_errors_translated_total"] == before + 1


import pytest  # noqa: E402


@pytest.fixture(scope="module")
def mtugw(tmp_path_factory):
    with zdptopo.Gateway(tmp_path_factory.mktemp("mtu"), mtu_b=1400) as g:
        yield g


def test_too_big_for_backend_side_v4(mtugw):
    """A 1450-byte datagram with DF towards a 1400-MTU egress earns the
    client a "fragmentation needed" quoting its own, untranslated packet."""
    before = mtugw.drops("mtu_exceeded")
    got = json.loads(mtugw.ns(mtugw.ns_cli, zdptopo.PY, PROBE, "big", mtugw.tap_c,
                              "198.18.10.2", "5353", "1450", "4").stdout)
    assert got, "no ICMP error"
    assert (got["type"], got["code"], got["mtu"]) == (3, 4, 1400), got
    assert (got["src"], got["dst"]) == ("198.18.0.1", "198.18.0.2"), got
    assert (got["isrc"], got["idst"], got["idport"]) == ("198.18.0.2", "198.18.10.2", 5353)
    assert mtugw.drops("mtu_exceeded") == before + 1


def test_too_big_for_backend_side_v6(mtugw):
    got = json.loads(mtugw.ns(mtugw.ns_cli, zdptopo.PY, PROBE, "big", mtugw.tap_c,
                              "2001:2:0:10::1", "9080", "1450", "4").stdout)
    assert got, "no ICMPv6 packet too big"
    assert got["mtu"] == 1400 and got["dst"] == "2001:2::2" and got["src"] == "2001:2::1", got
    assert (got["isrc"], got["idst"], got["idport"]) == ("2001:2::2", "2001:2:0:10::1", 9080)
    assert got["csum_ok"]


def test_small_datagrams_still_pass(mtugw):
    assert mtugw.client("udp", "198.18.10.2", "5353", "20")["ok"] == 20


def test_proxy_upstream_fits_the_egress_mtu(mtugw):
    """The tcp-proxy's connection to a backend behind the 1400-MTU port
    advertises MSS 1360 and sends no IP packet over 1400 bytes, while its
    client side (1500-MTU port) keeps 1460; the bytes arrive intact."""
    import subprocess
    sn = subprocess.Popen(["ip", "netns", "exec", mtugw.ns_be, zdptopo.PY, PROBE, "tcp-sizes",
                           mtugw.tap_b, "198.18.1.1", "6"],
                          stdout=subprocess.PIPE, text=True)
    try:
        assert sn.stdout.readline().strip() == "ready"
        r = mtugw.client("bulk", zdptopo.PVIP4, "9080", str(4 << 20), timeout=120)
        assert r["error"] is None and r["received"] == r["sent"] == 4 << 20, r
        assert r["recv_sha"] == r["sent_sha"], r
        got = json.loads(sn.communicate(timeout=30)[0])
    finally:
        if sn.poll() is None:
            sn.kill()
            sn.wait()
    assert got["packets"] > 20, got      # scapy sees a sample, not all
    assert got["syn_mss"] and set(got["syn_mss"]) == {1360}, got
    assert 1300 < got["max_len"] <= 1400, got


def test_proxy_icmp_frag_needed_reaches_the_stack(mtugw):
    """A "fragmentation needed" about a connection of the tcp-proxy goes to
    its TCP stack, which checks it against its connections (RFC 5927): this
    one quotes none, so it is counted and ignored."""
    key = 'zdp_tcp_stack_total{counter="tcp_icmp_ignored"}'
    before = mtugw.metrics().get(key, 0)
    mtugw.ns(mtugw.ns_be, zdptopo.PY, PROBE, "frag-needed", zdptopo.V1_4, "198.18.1.1",
             "198.18.1.1", "40001", zdptopo.V1_4, "9080", "1280")
    deadline = time.time() + 5
    while time.time() < deadline and mtugw.metrics().get(key, 0) == before:
        time.sleep(0.1)
    assert mtugw.metrics().get(key, 0) == before + 1
