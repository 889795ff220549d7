# SPDX-License-Identifier: BSD-3-Clause
"""RFC 9293 §3.10.7.4 first check: a segment entirely below RCV.NXT is not
acceptable — it is answered with an ACK at once and its data is not
delivered twice."""
from conf_lib import Peer, TCP

p = Peer(7)
p.connect()
base = p.snd_nxt
p.send_data(b"A" * 500)
got = p.collect(500)
p.send_data(b"A" * 500, seq=base)                          # exact duplicate
a = p.expect(lambda x: x[TCP].ack == base + 500 and not bytes(x[TCP].payload),
             what="immediate ACK for the duplicate")
p.expect_none(lambda x: len(bytes(x[TCP].payload)) > 0, timeout=0.6, what="duplicate echo")
assert p.alive_echo()
p.send("R", seq=p.snd_nxt, opts=[])
print("PASS duplicate segment ACKed, not delivered twice")
