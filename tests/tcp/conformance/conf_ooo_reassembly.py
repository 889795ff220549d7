# SPDX-License-Identifier: BSD-3-Clause
"""RFC 9293 §3.10.7.4 (segment text), RFC 5681 §4.2 (immediate duplicate
ACK for out-of-order data), RFC 2018 §4 (SACK blocks): out-of-order and
overlapping segments are held, SACKed, and delivered once, in order."""
from conf_lib import Peer, TCP, topts

data = bytes((i * 7 + 1) & 0xFF for i in range(3000))
p = Peer(7)
p.connect()
base = p.snd_nxt
p.send_data(data[1000:2000], seq=base + 1000)
a = p.expect(lambda x: "SAck" in topts(x), what="dup ACK with SACK")
assert a[TCP].ack == base, a[TCP].ack
assert topts(a)["SAck"][:2] == (base + 1000, base + 2000), topts(a)
p.send_data(data[1500:2500], seq=base + 1500)              # overlaps the held block
a = p.expect(lambda x: "SAck" in topts(x), what="dup ACK after overlap")
assert a[TCP].ack == base
assert topts(a)["SAck"][:2] == (base + 1000, base + 2500), topts(a)
p.send_data(data[0:1200], seq=base)                        # fills the hole, overlaps
p.snd_nxt = base + 2500
got = p.collect(2500)
assert got[:2500] == data[:2500], "echo differs"
p.send("R", seq=p.snd_nxt, opts=[])
print("PASS out-of-order and overlapping segments reassembled")
