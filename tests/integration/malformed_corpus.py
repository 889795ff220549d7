# SPDX-License-Identifier: BSD-3-Clause
"""Malformed packets for zdp, sent with scapy from the client namespace.

  python3 malformed_corpus.py send IFACE DST_MAC CASE COUNT
  python3 malformed_corpus.py fuzz IFACE DST_MAC COUNT SEED
  python3 malformed_corpus.py list

Each case names the drop reason zdp must count for it.
"""
import random
import sys

from scapy.all import (ARP, ICMPv6ND_NS, IP, IPv6, IPv6ExtHdrHopByHop, TCP, UDP,
                       Dot1Q, Ether, Raw, fuzz, sendp)
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

SRC4, GW4, VIP4 = "198.18.0.2", "198.18.0.1", "198.18.10.1"
SRC6, GW6 = "2001:2::2", "2001:2::1"


def syn(**ip):
    return IP(src=SRC4, dst=VIP4, **ip) / TCP(sport=40000, dport=9080, flags="S")


def cases(e):
    """case name -> (expected drop reason, raw frame bytes)."""
    good = bytes(e / syn())
    bad_csum = bytearray(good)
    bad_csum[14 + 10] ^= 0xff                       # IPv4 header checksum
    long_len = IP(bytes(syn()))
    long_len.len = 200                               # beyond the frame
    short_ihl = bytearray(good)
    short_ihl[14] = 0x44                             # IHL 4
    tcp_bad = e / IP(src=SRC4, dst=VIP4) / TCP(sport=40001, dport=9080, flags="S", chksum=0x1234)
    # UDP length beyond the IP payload; checksum 0 (none) so only the length is wrong.
    udp_len = e / IP(src=SRC4, dst="198.18.10.2") / UDP(sport=40002, dport=5353, len=40, chksum=0) / Raw(b"x" * 8)
    hbh = bytearray(bytes(e / IPv6(src=SRC6, dst="2001:2:0:10::1") / IPv6ExtHdrHopByHop() /
                          TCP(sport=40003, dport=9080, flags="S")))
    hbh[14 + 40 + 1] = 200                           # ext header length past the end
    ns_bad_hlim = e / IPv6(src=SRC6, dst=GW6, hlim=64) / ICMPv6ND_NS(tgt=GW6)
    return {
        "ipv4_bad_checksum": ("ipv4_bad_checksum", bytes(bad_csum)),
        "truncated_ipv4": ("truncated_ipv4", good[:14 + 12]),
        "ipv4_bad_length": ("ipv4_bad_length", bytes(e / long_len)),
        "ipv4_bad_ihl": ("ipv4_bad_ihl", bytes(short_ihl)),
        "fragment": ("fragment", bytes(e / syn(flags="MF"))),
        "fragment_offset": ("fragment", bytes(e / syn(frag=10))),
        "tcp_syn_fin": ("tcp_bad_flags", bytes(e / IP(src=SRC4, dst=VIP4) /
                                                TCP(sport=40004, dport=9080, flags="SF"))),
        "tcp_bad_checksum": ("l4_bad_checksum", bytes(tcp_bad)),
        "truncated_tcp": ("truncated_l4", bytes(e / IP(src=SRC4, dst=VIP4, proto=6) /
                                                 Raw(bytes(TCP(sport=40007, dport=9080, flags="S"))[:10]))),
        "udp_bad_length": ("udp_bad_length", bytes(udp_len)),
        "ipv6_bad_ext": ("ipv6_bad_ext_header", bytes(hbh)),
        "unknown_ethertype": ("unknown_ethertype", bytes(Ether(dst=e.dst, type=0x88b5) / Raw(b"\0" * 46))),
        "vlan_stack": ("vlan_stack", bytes(e / Dot1Q(vlan=10) / Dot1Q(vlan=20) / syn())),
        "truncated_arp": ("truncated_arp", bytes(Ether(dst=e.dst, type=0x0806) / Raw(b"\x00\x01\x08\x00\x06"))),
        "nd_bad_hop_limit": ("nd_invalid", bytes(ns_bad_hlim)),
        "ttl_one": ("ttl_exceeded", bytes(e / IP(src=SRC4, dst=VIP4, ttl=1) /
                                           TCP(sport=40005, dport=9080, flags="S"))),
        "not_for_us": ("not_for_us", bytes(e / IP(src=SRC4, dst="198.18.99.99") /
                                            UDP(sport=1, dport=2))),
        "martian_source": ("ipv4_bad_source", bytes(e / IP(src="127.0.0.1", dst=VIP4) /
                                                     TCP(sport=40006, dport=9080, flags="S"))),
    }


def main():
    cmd = sys.argv[1]
    if cmd == "list":
        e = Ether(dst="02:00:00:00:00:01")
        for k, (r, _) in cases(e).items():
            print(k, r)
        return
    iface, mac = sys.argv[2], sys.argv[3]
    e = Ether(dst=mac)
    if cmd == "send":
        name, count = sys.argv[4], int(sys.argv[5])
        frame = cases(e)[name][1]
        sendp([Raw(frame)] * count, iface=iface, verbose=False)
    elif cmd == "fuzz":
        count, seed = int(sys.argv[4]), int(sys.argv[5])
        random.seed(seed)
        pkts = []
        for i in range(count):
            base = random.choice([
                e / IP(src=SRC4, dst=VIP4) / fuzz(TCP(dport=9080)),
                e / fuzz(IP(src=SRC4, dst=VIP4)) / TCP(dport=9080),
                e / IPv6(src=SRC6, dst="2001:2:0:10::1") / fuzz(TCP(dport=9080)),
                e / fuzz(IPv6(src=SRC6, dst=GW6)) / Raw(b"x" * 20),
                e / IP(src=SRC4, dst="198.18.10.2") / fuzz(UDP(dport=5353)),
                Ether(dst=mac) / fuzz(ARP(pdst=GW4)),
            ])
            raw = bytearray(bytes(base))
            # Flip a few random bytes past the Ethernet header, and sometimes cut.
            for _ in range(random.randint(0, 3)):
                j = random.randrange(14, len(raw))
                raw[j] = random.randrange(256)
            if random.random() < 0.2:
                raw = raw[:random.randint(14, len(raw))]
            pkts.append(Raw(bytes(raw)))
        sendp(pkts, iface=iface, verbose=False)


if __name__ == "__main__":
    main()
