# SPDX-License-Identifier: BSD-3-Clause
"""RFC 5961 §4.2: a SYN on a synchronized connection, whatever its sequence
number, draws a challenge ACK (<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>) and
does not reset the connection."""
from conf_lib import Peer, TCP

p = Peer(7)
p.connect()
for off in (10, -5000):
    p.send("S", seq=p.snd_nxt + off, ack=0)
    a = p.expect(lambda x: x[TCP].flags == "A", what="challenge ACK")
    assert a[TCP].ack == p.snd_nxt, (a[TCP].ack, p.snd_nxt)
    assert a[TCP].seq == p.rcv_nxt
assert p.alive_echo()
p.send("R", seq=p.snd_nxt, opts=[])
print("PASS SYN on an established connection gets a challenge ACK")
