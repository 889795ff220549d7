# SPDX-License-Identifier: BSD-3-Clause
"""RFC 9293 §3.10.7.4: only the part of a segment inside the receive window
is kept — the tail beyond RCV.NXT+RCV.WND is trimmed, bytes below RCV.NXT
are dropped from the front. Needs the harness started with --rcv-buf 4096."""
import hashlib

from conf_lib import Peer, TCP, topts

data = bytes((i * 13 + 5) & 0xFF for i in range(6000))
p = Peer(9)
sa = p.connect(ws=0)
wnd = sa[TCP].window
assert wnd == 4096, wnd
base = p.snd_nxt
p.send_data(data[3000:4400], seq=base + 3000)              # tail beyond the window
a = p.expect(lambda x: "SAck" in topts(x), what="dup ACK with SACK")
assert topts(a)["SAck"][:2] == (base + 3000, base + 4096), topts(a)
for off in (0, 1400, 2800):                                # fill the hole (MTU-sized)
    p.send_data(data[off:min(off + 1400, 3000)], seq=base + off)
a = p.expect(lambda x: x[TCP].ack == base + 4096, what="ACK up to the window edge")
p.send_data(data[4000:4500], seq=base + 4000)              # 96 old bytes in front
a = p.expect(lambda x: x[TCP].ack == base + 4500, what="ACK after front trim")
p.snd_nxt = base + 4500
p.send("FA", seq=p.snd_nxt)
p.snd_nxt += 1
reply = p.collect(65, timeout=3)
assert reply[:64].decode() == hashlib.sha256(data[:4500]).hexdigest(), reply
print("PASS data beyond the window trimmed, old bytes trimmed in front")
