# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for test_icmp_errors.py (run inside a namespace with scapy).

  icmp_probe.py sniff IFACE SECONDS        print the first ICMP error seen, as JSON
  icmp_probe.py big IFACE DST DPORT SIZE SECONDS
                                           send one UDP datagram of SIZE bytes (IPv4 with
                                           DF, or IPv6) and print the ICMP "too big" it earns
  icmp_probe.py frag-needed SRC DST ISRC ISPORT IDST IDPORT MTU
                                           send an ICMP "fragmentation needed" quoting
                                           a TCP segment ISRC:ISPORT -> IDST:IDPORT
  icmp_probe.py tcp-sizes IFACE SRC SECONDS
                                           print the largest IP packet and the SYN MSS
                                           options of TCP from SRC seen for SECONDS, as JSON
"""
import json
import sys
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import (ICMP, IP, ICMPv6PacketTooBig, IPerror, IPerror6, IPv6, TCP,  # noqa: E402
                       TCPerror, UDP, UDPerror, AsyncSniffer, send, sniff)


def main():
    if sys.argv[1] == "sniff":
        iface, secs = sys.argv[2], float(sys.argv[3])
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        pk = sniff(iface=iface, timeout=secs, count=1,
                   lfilter=lambda p: ICMP in p and p[ICMP].type == 3)
        if not pk:
            print(json.dumps({}))
            return
        p = pk[0]
        inner = p[IPerror]
        l4 = p[TCPerror]
        raw = bytes(p[IP])
        # Verify the ICMP checksum from scratch.
        icmp = bytearray(raw[(raw[0] & 0xf) * 4:])
        icmp[2:4] = b"\0\0"
        s = sum(int.from_bytes(icmp[i:i + 2].ljust(2, b"\0"), "big") for i in range(0, len(icmp), 2))
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        print(json.dumps({
            "src": p[IP].src, "dst": p[IP].dst, "type": p[ICMP].type, "code": p[ICMP].code,
            "mtu": p[ICMP].nexthopmtu, "isrc": inner.src, "idst": inner.dst,
            "isport": l4.sport, "idport": l4.dport,
            "csum_ok": (~s & 0xffff) == int.from_bytes(raw[(raw[0] & 0xf) * 4 + 2:(raw[0] & 0xf) * 4 + 4], "big"),
        }))
    elif sys.argv[1] == "big":
        iface, dst, dport, size, secs = sys.argv[2:7]
        v6 = ":" in dst
        sn = AsyncSniffer(iface=iface, timeout=float(secs), count=1, lfilter=lambda p:
                          (ICMPv6PacketTooBig in p) if v6 else (ICMP in p and p[ICMP].type == 3))
        sn.start()
        import time
        time.sleep(0.3)
        pay = b"y" * (int(size) - (48 if v6 else 28))
        if v6:
            send(IPv6(src="2001:2::2", dst=dst) / UDP(sport=45000, dport=int(dport)) / pay,
                 verbose=False)
        else:
            send(IP(src="198.18.0.2", dst=dst, flags="DF") / UDP(sport=45000, dport=int(dport)) /
                 pay, verbose=False)
        sn.join()
        if not sn.results:
            print(json.dumps({}))
            return
        p = sn.results[0]
        if v6:
            e = p[ICMPv6PacketTooBig]
            q = IPv6(bytes(p[IPv6]))
            seen = q[ICMPv6PacketTooBig].cksum
            del q[ICMPv6PacketTooBig].cksum          # scapy recomputes it on build
            fresh = IPv6(bytes(q))[ICMPv6PacketTooBig].cksum
            print(json.dumps({"src": p[IPv6].src, "dst": p[IPv6].dst, "mtu": e.mtu,
                              "isrc": p[IPerror6].src, "idst": p[IPerror6].dst,
                              "idport": p[UDPerror].dport,
                              "csum_ok": seen == fresh}))
        else:
            print(json.dumps({"src": p[IP].src, "dst": p[IP].dst, "type": p[ICMP].type,
                              "code": p[ICMP].code, "mtu": p[ICMP].nexthopmtu,
                              "isrc": p[IPerror].src, "idst": p[IPerror].dst,
                              "idport": p[UDPerror].dport}))
    elif sys.argv[1] == "tcp-sizes":
        iface, src, secs = sys.argv[2], sys.argv[3], float(sys.argv[4])
        seen = {"packets": 0, "max_len": 0, "syn_mss": []}

        def count(p):
            seen["packets"] += 1
            seen["max_len"] = max(seen["max_len"], p[IP].len)
            if "S" in str(p[TCP].flags):
                seen["syn_mss"] += [v for k, v in p[TCP].options if k == "MSS"]
        sn = AsyncSniffer(iface=iface, store=False, prn=count,
                          lfilter=lambda p: IP in p and TCP in p and p[IP].src == src)
        sn.start()
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        import time
        time.sleep(secs)
        sn.stop()
        print(json.dumps(seen))
    elif sys.argv[1] == "frag-needed":
        src, dst, isrc, isport, idst, idport, mtu = sys.argv[2:9]
        quoted = IP(src=isrc, dst=idst, ttl=63) / TCP(sport=int(isport), dport=int(idport),
                                                      flags="A", seq=1000, ack=1) / (b"x" * 64)
        send(IP(src=src, dst=dst) / ICMP(type=3, code=4, nexthopmtu=int(mtu)) / bytes(quoted),
             verbose=False)


if __name__ == "__main__":
    main()
