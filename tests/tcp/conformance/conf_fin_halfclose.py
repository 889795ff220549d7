# SPDX-License-Identifier: BSD-3-Clause
"""RFC 9293 §3.6 / §3.10.7.4 eighth step: our FIN half-closes one direction
(ACKed, CLOSE-WAIT on the stack) while the stack keeps sending; its own FIN
follows its data; our ACK of it closes the connection."""
import hashlib

from conf_lib import Peer, TCP

data = b"half-close test data " * 20
p = Peer(9)                                                # sink: replies after our FIN
p.connect()
p.send_data(data)
p.snd_nxt += 1
p.send("FA", seq=p.snd_nxt - 1)                            # FIN after the data
a = p.expect(lambda x: x[TCP].ack == p.snd_nxt, what="ACK of our FIN")
reply = p.collect(65, timeout=3)                           # data after our FIN
assert reply[:64].decode() == hashlib.sha256(data).hexdigest(), reply
f = p.expect(lambda x: "F" in str(x[TCP].flags), timeout=3, what="the stack's FIN") \
    if p.rcv_nxt != (p.irs + 1 + 65 + 1) & 0xFFFFFFFF else None
p.rcv_nxt = (p.irs + 1 + 65 + 1) & 0xFFFFFFFF
p.send("A")                                                # LAST-ACK -> CLOSED
p.send_data(b"x")
p.expect(lambda x: "R" in str(x[TCP].flags), what="RST once closed")
print("PASS FIN half-close: data flowed after our FIN, then the stack's FIN")
