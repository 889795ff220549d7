# SPDX-License-Identifier: BSD-3-Clause
"""RFC 9293 §3.8.6.1 / RFC 1122 §4.2.2.17: facing a zero window the sender
probes with one byte, backing off, for as long as the probes are answered;
when the window opens, the data flows."""
import time

from conf_lib import Peer, TCP, pat

p = Peer(19)
p.connect()
p.send_data(b"3000\n", win=0)                              # ask for data, window 0
t0 = time.time()
times = []
for _ in range(3):
    pr = p.expect(lambda x: len(bytes(x[TCP].payload)) == 1, timeout=5, what="window probe")
    assert p.rel(pr[TCP].seq) == 0
    times.append(time.time() - t0)
    p.tsval += 1
    p.send("A", win=0)                                     # still closed
assert times[2] - times[1] > (times[1] - times[0]) * 1.5, times   # backoff
p.tsval += 1
p.send("A", win=65535)                                     # open the window
got = p.collect(3000, timeout=5)
assert got[:3000] == bytes(pat(i) for i in range(3000)), "data after the window opened"
p.send("R", seq=p.snd_nxt, opts=[])
print("PASS zero window probed with backoff, data after it opened", times)
