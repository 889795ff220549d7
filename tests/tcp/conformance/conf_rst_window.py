# SPDX-License-Identifier: BSD-3-Clause
"""RFC 5961 §3.2: a RST outside the receive window is dropped silently; in
the window but not at RCV.NXT it draws a challenge ACK and the connection
survives; exactly at RCV.NXT it resets the connection."""
from conf_lib import Peer, TCP

p = Peer(7)
p.connect()
p.send("R", seq=p.snd_nxt + 100000000, opts=[])
p.expect_none(timeout=0.5, what="answer to an out-of-window RST")
assert p.alive_echo(b"one")
p.send("R", seq=p.snd_nxt + 100, opts=[])
a = p.expect(lambda x: x[TCP].flags == "A", what="challenge ACK")
assert a[TCP].ack == p.snd_nxt and a[TCP].seq == p.rcv_nxt
assert p.alive_echo(b"two")
p.send("R", seq=p.snd_nxt, opts=[])
p.send_data(b"after reset")
r = p.expect(lambda x: "R" in str(x[TCP].flags), what="RST for data after the reset")
print("PASS RST: out of window ignored, in window challenged, exact accepted")
