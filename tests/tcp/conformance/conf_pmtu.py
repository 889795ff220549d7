# SPDX-License-Identifier: BSD-3-Clause
"""RFC 1191 §6.3 (validated as RFC 5927 §4.1): an ICMP "fragmentation
needed" that quotes a segment in flight lowers the path MTU, and what was in
flight is sent again in packets that fit; one quoting a sequence number that
is not in flight changes nothing. The quote is the RFC 792 minimum: the IP
header and 8 bytes of TCP."""
import struct

from conf_lib import IP, SRC, TCP, ZIP, ZMAC, Peer, pat
from scapy.all import ICMP, Ether, Raw

N = 40000


def frag_needed(p, seg, mtu, seq=None):
    quote = bytearray(bytes(seg[IP])[:28])
    if seq is not None:
        struct.pack_into("!I", quote, 24, seq & 0xFFFFFFFF)
    p.sock.send(Ether(src=p.mac, dst=ZMAC) / IP(src=SRC, dst=ZIP) /
                ICMP(type=3, code=4, nexthopmtu=mtu) / Raw(bytes(quote)))


p = Peer(19)
p.connect(mss=1460)
p.send_data(b"%d\n" % N)
first = p.expect(lambda x: len(bytes(x[TCP].payload)) > 1300, what="full-size segment")

# not in flight: far behind SND.UNA -> ignored, full-size segments go on
frag_needed(p, first, 1000, seq=first[TCP].seq - 100000)
p.expect_none(lambda x: False, timeout=0.3)          # drain what is in flight
p.tsval += 1
p.send("A", ack=first[TCP].seq + len(bytes(first[TCP].payload)))
nxt = p.expect(lambda x: len(bytes(x[TCP].payload)) > 1300, what="full-size after a forged ICMP")

# in flight: MTU 1000 -> resent from SND.UNA in packets of at most 1000 bytes
p.expect_none(lambda x: False, timeout=0.3)          # the rest of that flight
frag_needed(p, nxt, 1000)
sizes = []
recv = p._recv_one


def recording(timeout):
    x = recv(timeout)
    if x:
        sizes.append(x[IP].len)
    return x


p._recv_one = recording
p.rcv_nxt = first[TCP].seq + len(bytes(first[TCP].payload))
p.rx = {0: bytes(first[TCP].payload)}
got = p.collect(N, timeout=10)
assert got[:N] == bytes(pat(i) for i in range(N)), "stream after the MTU drop"
assert sizes and max(sizes) <= 1000, "packets after the ICMP: max %d" % max(sizes)
assert max(sizes) == 1000, "the MSS fills the new MTU (%d)" % max(sizes)
p.send("R", seq=p.snd_nxt, opts=[])
print("PASS forged ICMP ignored; MTU 1000 applied, %d packets, all <= 1000 bytes" % len(sizes))
