# SPDX-License-Identifier: BSD-3-Clause
"""RFC 9293 §3.7.1 (MSS), RFC 7323 §2.2/§3.2 (window scale, timestamps),
RFC 2018 §2 (SACK-permitted): the SYN-ACK acknowledges the SYN and answers
exactly the options that were offered; without options, only MSS."""
from conf_lib import Peer, TCP, topts

p = Peer(7)
p.send("S", seq=5000, ack=0, opts=[("MSS", 1400), ("SAckOK", b""), ("Timestamp", (1234, 0)),
                                   ("NOP", None), ("WScale", 7)])
sa = p.expect(lambda x: x[TCP].flags == "SA", what="SYN-ACK")
o = topts(sa)
assert sa[TCP].ack == 5001, sa[TCP].ack
assert o.get("MSS") == 1460, o
assert "WScale" in o and 0 <= o["WScale"] <= 14, o
assert "SAckOK" in o, o
assert o["Timestamp"][1] == 1234, o          # TSecr echoes our TSval
assert sa[TCP].window <= 65535
p.send("R", seq=5001, ack=0, opts=[])

q = Peer(7)
q.send("S", seq=9000, ack=0, opts=[])
sa = q.expect(lambda x: x[TCP].flags == "SA", what="SYN-ACK without options")
o = topts(sa)
assert sa[TCP].ack == 9001
assert "MSS" in o and "WScale" not in o and "SAckOK" not in o and "Timestamp" not in o, o
q.send("R", seq=9001, ack=0, opts=[])
print("PASS handshake options")
