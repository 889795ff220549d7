# SPDX-License-Identifier: BSD-3-Clause
"""Interop of zdp's TCP stack with the Linux kernel TCP through net_tap.

Each test starts tcp_tap_echo (the stack on one lcore) in its own network
namespace and drives Linux sockets against it. Every bulk transfer is
checked end to end with SHA-256. Loss, reordering and duplication are
injected by the harness's ethdev RX/TX callbacks, not by the kernel.

The same stack behind zdp's tcp-proxy (two connections per relay, the
gateway's lb and policy in between) is tested in
tests/integration/test_tcp_proxy.py: 1 GiB each way clean and under 1% and
5% loss, 10,000 concurrent relays, a SYN flood, IPv6, both half-close
orders and reset propagation."""
import json
import os
import subprocess

import pytest

from tcp_harness import ZDP_IP4, ZDP_IP6, PEER_IP4, PEER_IP6

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = ["/usr/bin/python3", os.path.join(HERE, "peer.py")]
MiB = 1 << 20


def peer(h, *args, timeout=300):
    r = h.nsexec(PEER + [str(a) for a in args], timeout=timeout)
    return json.loads(r.stdout.strip().splitlines()[-1])


def check_clean(h):
    st = h.stats()
    # the stack never leaks: only the RX ring's mbufs stay in use
    assert st["conns_in_use"] == 0 or st["conns_in_use"] <= st["tcp_passive_opens"]
    return st


FAULTS = {
    "clean": ([], 128 * MiB),
    "loss1": (["--loss", "1"], 32 * MiB),
    "loss5": (["--loss", "5"], 32 * MiB),
    "reorder": (["--reorder", "2"], 32 * MiB),
    "dup": (["--dup", "2"], 32 * MiB),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_bulk_both_directions_sha256(make_harness, fault):
    """Linux -> zdp (sink, SHA returned by zdp) and zdp -> Linux (source,
    half-close afterwards) and both at once (echo), under @fault."""
    args, size = FAULTS[fault]
    h = make_harness(*args)
    up = peer(h, "sink-client", ZDP_IP4, 9, size)
    assert up["reply"] == up["sent_sha"], up
    down = peer(h, "source-client", ZDP_IP4, 19, size)
    line = h.wait_line(lambda l: l.startswith("SOURCE "), timeout=30)
    assert down["rcvd"] == size
    assert f"sha={down['rcvd_sha']}" in line
    assert 'after_eof="BYE-after-eof"' in line        # data after our FIN (half-close)
    echo = peer(h, "echo-client", ZDP_IP4, 7, size // 4)
    assert echo["rcvd"] == size // 4 and echo["rcvd_sha"] == echo["sent_sha"], echo
    st = h.stats()
    if fault.startswith("loss"):
        assert st["fault_lost"] > 0 and st["tcp_retransmits"] > 0
    if fault == "reorder":
        assert st["fault_reordered"] > 0 and st["tcp_ooo_segments"] > 0
    if fault == "dup":
        assert st["fault_dup"] > 0 and st["tcp_duplicate_segments"] > 0
    print(fault, "up %.1f MiB/s" % (size / MiB / up["secs"]),
          "down %.1f MiB/s" % (size / MiB / down["secs"]), st)


@pytest.mark.parametrize("fault", ["clean", "loss1", "loss5"])
def test_active_open_to_linux_server(make_harness, fault):
    """zdp connects out (ephemeral port), sends, half-closes, reads the echo
    back from a Linux server."""
    args, size = FAULTS[fault]
    size = 16 * MiB
    h = make_harness(*args)
    srv = h.nspopen(PEER + ["server", "echo", "5001", "0", "4"], stdout=subprocess.PIPE,
                    text=True)
    try:
        assert srv.stdout.readline().strip() == "LISTENING"
        r = h.client(PEER_IP4, 5001, size, 1)
        assert r["end"] == "eof", r
        assert int(r["sent"]) == size and int(r["rcvd"]) == size
        assert r["sent_sha"] == r["rcvd_sha"]
        assert json.loads(srv.stdout.readline())["rcvd"] == size
    finally:
        srv.kill()
        srv.wait()


def test_linux_server_closes_first(make_harness):
    """The Linux server sends its data and half-closes while zdp is still
    sending; both directions complete."""
    h = make_harness()
    srv = h.nspopen(PEER + ["server", "close-first", "5002", str(2 * MiB), "4"],
                    stdout=subprocess.PIPE, text=True)
    try:
        assert srv.stdout.readline().strip() == "LISTENING"
        r = h.client(PEER_IP4, 5002, 8 * MiB, 2)
        s = json.loads(srv.stdout.readline())
        assert r["end"] == "eof", r
        assert int(r["rcvd"]) == 2 * MiB and r["rcvd_sha"] == s["sent_sha"]
        assert s["rcvd"] == 8 * MiB and s["rcvd_sha"] == r["sent_sha"]
    finally:
        srv.kill()
        srv.wait()


def test_linux_server_resets(make_harness):
    h = make_harness()
    srv = h.nspopen(PEER + ["server", "reset", "5003", "0", "4"], stdout=subprocess.PIPE,
                    text=True)
    try:
        assert srv.stdout.readline().strip() == "LISTENING"
        r = h.client(PEER_IP4, 5003, 4 * MiB, 3)
        assert r["end"] == "reset", r
        assert h.stats()["tcp_resets_received"] >= 1
    finally:
        srv.kill()
        srv.wait()


def test_zdp_resets_linux_client(make_harness):
    h = make_harness()
    assert peer(h, "rst-client", ZDP_IP4, 13)["result"] == "reset"


def test_ipv6(make_harness):
    h = make_harness()
    up = peer(h, "sink-client", ZDP_IP6, 9, 16 * MiB)
    assert up["reply"] == up["sent_sha"]
    echo = peer(h, "echo-client", ZDP_IP6, 7, 8 * MiB)
    assert echo["rcvd_sha"] == echo["sent_sha"]
    srv = h.nspopen(PEER + ["server", "echo", "5004", "0", "6"], stdout=subprocess.PIPE,
                    text=True)
    try:
        assert srv.stdout.readline().strip() == "LISTENING"
        r = h.client(PEER_IP6, 5004, 4 * MiB, 4)
        assert r["end"] == "eof" and r["sent_sha"] == r["rcvd_sha"]
    finally:
        srv.kill()
        srv.wait()
