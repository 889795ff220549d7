# SPDX-License-Identifier: BSD-3-Clause
"""RFC 7323 §5.3: a segment whose TSval is older than TS.Recent is
dropped (and ACKed); a newer one carrying the same bytes is accepted."""
from conf_lib import Peer, TCP

p = Peer(7)
p.connect()
p.tsval = 50000
p.send_data(b"aaaa", tsval=50000)
assert p.collect(4) == b"aaaa"
seq = p.snd_nxt
p.send_data(b"bbbb", tsval=100)                            # old timestamp
a = p.expect(lambda x: x[TCP].flags == "A", what="ACK for the PAWS drop")
assert a[TCP].ack == seq, (a[TCP].ack, seq)
p.expect_none(lambda x: len(bytes(x[TCP].payload)) > 0, timeout=0.5, what="echo of old data")
p.send_data(b"cccc", seq=seq, tsval=60000)
assert p.collect(8)[4:8] == b"cccc"
p.send("R", seq=seq + 4, opts=[])
print("PASS PAWS drops an old timestamp")
