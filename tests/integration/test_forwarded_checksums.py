# SPDX-License-Identifier: BSD-3-Clause
"""Checksums of forwarded packets (docs/design.md, packet path step 5).

net_tap gives RX checksum verdicts (the PMD checks in software and sets
RTE_MBUF_F_RX_L4_CKSUM_*), so here a device verdict decides: a UDP packet
with a wrong checksum is dropped and counted as l4_bad_checksum whether it
would open a flow or belongs to an established NAT flow, with or without
gateway.verifyForwardedChecksums (which only matters for devices without
verdicts, such as memif; the deferred software check itself is unit-tested
in tests/unit/test_parse.c). The knob reloads without a restart."""
import signal
import time

import zdptopo

SEND = r"""
import sys, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, UDP, Raw, sendp
iface, mac, sport, csum, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
u = UDP(sport=sport, dport=5353) if csum == "good" else UDP(sport=sport, dport=5353, chksum=0x1234)
p = Ether(dst=mac) / IP(src="198.18.0.2", dst="%s") / u / Raw(b"checksum test")
sendp([p] * count, iface=iface, verbose=False)
""" % zdptopo.UDP_VIP


def send(gw, sport, csum, count):
    mac = gw.config_dump()["ports"][0]["mac"].lower()
    gw.ns(gw.ns_cli, zdptopo.PY, "-c", SEND, gw.tap_c, mac, str(sport), csum, str(count))


def wait_drops(gw, reason, want, secs=5):
    deadline = time.time() + secs
    while time.time() < deadline and gw.drops(reason) < want:
        time.sleep(0.1)
    return gw.drops(reason)


def test_forwarded_checksums(gw):
    r = "l4_bad_checksum"
    # An established flow: its first packet is good.
    send(gw, 41000, "good", 1)
    base = gw.drops(r)
    # Bad checksum on the established flow: the device said BAD.
    send(gw, 41000, "bad", 3)
    assert wait_drops(gw, r, base + 3) == base + 3
    # Bad checksum on a packet that would open a flow: dropped, counted.
    send(gw, 41001, "bad", 3)
    assert wait_drops(gw, r, base + 6) == base + 6
    # The knob is reloadable; the device verdict still decides.
    gen = gw.metrics().get("zdp_config_generation", 0)
    with open(gw.config) as f:
        cfg = f.read()
    assert "\n  natPorts:" in cfg
    cfg = cfg.replace("\n  natPorts:", "\n  verifyForwardedChecksums: true\n  natPorts:", 1)
    with open(gw.config, "w") as f:
        f.write(cfg)
    gw.zdp.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while time.time() < deadline and gw.metrics().get("zdp_config_generation", 0) <= gen:
        time.sleep(0.1)
    assert gw.metrics().get("zdp_config_generation", 0) > gen, gw.log_text()
    time.sleep(0.5)	# every worker has picked up the new snapshot
    send(gw, 41000, "bad", 3)
    assert wait_drops(gw, r, base + 9) == base + 9
    # Good packets of the flow still pass and zdp is fine.
    assert gw.alive() and gw.ready()
