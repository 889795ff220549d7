# SPDX-License-Identifier: BSD-3-Clause
"""A scripted TCP peer for conformance scripts: scapy on an AF_PACKET
socket inside the test namespace, using an address the namespace's kernel
does not own (so the kernel never answers for it). Environment:
ZDP_IFACE, ZDP_MAC (harness MAC), ZDP_IP4 (stack), ZDP_SCAPY_IP4 (us)."""
import os
import random
import select
import time

from scapy.all import Ether, IP, TCP, Raw, conf, get_if_hwaddr  # noqa: F401

IFACE = os.environ["ZDP_IFACE"]
ZMAC = os.environ["ZDP_MAC"]
ZIP = os.environ.get("ZDP_IP4", "198.18.200.1")
SRC = os.environ.get("ZDP_SCAPY_IP4", "198.18.200.3")

FULL_OPTS = "full"


def pat(off):
    """tcp_tap_echo's source pattern."""
    return (off * 131 + (off >> 9) + (off >> 17)) & 0xFF


def topts(p):
    return {k: v for k, v in p[TCP].options}


class Peer:
    def __init__(self, dport, sport=None):
        self.sock = conf.L2socket(iface=IFACE)
        self.mac = get_if_hwaddr(IFACE)
        self.sport = sport or random.randint(20000, 60000)
        self.dport = dport
        self.tsval = 1000
        self.tsecr = 0
        self.use_ts = True
        self.iss = random.randint(1, 1 << 30)
        self.snd_nxt = self.iss
        self.rcv_nxt = 0
        self.irs = 0
        self.win = 65535
        self.rx = {}

    # -- raw I/O --
    def send(self, flags, seq=None, ack=None, data=b"", win=None, opts=None, tsval=None):
        if seq is None:
            seq = self.snd_nxt
        if ack is None:
            ack = self.rcv_nxt
        if opts is None:
            opts = []
            if self.use_ts:
                opts = [("NOP", None), ("NOP", None),
                        ("Timestamp", (self.tsval if tsval is None else tsval, self.tsecr))]
        p = (Ether(src=self.mac, dst=ZMAC) / IP(src=SRC, dst=ZIP) /
             TCP(sport=self.sport, dport=self.dport, flags=flags, seq=seq & 0xFFFFFFFF,
                 ack=ack & 0xFFFFFFFF, window=self.win if win is None else win, options=opts))
        if data:
            p = p / Raw(data)
        self.sock.send(p)

    def _recv_one(self, timeout):
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return None
        p = self.sock.recv()
        if (p is None or not p.haslayer(TCP) or not p.haslayer(IP) or p[IP].src != ZIP or
                p[IP].dst != SRC or p[TCP].dport != self.sport):
            return False
        o = topts(p)
        if "Timestamp" in o:
            self.tsecr = o["Timestamp"][0]
        return p

    def expect(self, pred=lambda p: True, timeout=2.0, what="segment"):
        end = time.time() + timeout
        while time.time() < end:
            p = self._recv_one(end - time.time())
            if p is None:
                break
            if p is False:
                continue
            if pred(p):
                return p
        raise AssertionError("timed out waiting for " + what)

    def expect_none(self, pred=lambda p: True, timeout=0.5, what="segment"):
        end = time.time() + timeout
        while time.time() < end:
            p = self._recv_one(end - time.time())
            if p is None:
                return
            if p is not False and pred(p):
                raise AssertionError("unexpected %s: %s" % (what, p.summary()))

    # -- connection helpers --
    def connect(self, ws=7, sack=True, ts=True, mss=1460):
        self.use_ts = ts
        opts = [("MSS", mss)]
        if sack:
            opts.append(("SAckOK", b""))
        if ts:
            opts.append(("Timestamp", (self.tsval, 0)))
        if ws is not None:
            opts += [("NOP", None), ("WScale", ws)]
        self.send("S", seq=self.iss, ack=0, opts=opts)
        sa = self.expect(lambda p: p[TCP].flags == "SA", what="SYN-ACK")
        self.irs = sa[TCP].seq
        self.rcv_nxt = (self.irs + 1) & 0xFFFFFFFF
        self.snd_nxt = self.iss + 1
        self.tsval += 1
        self.send("A")
        return sa

    def send_data(self, data, seq=None, flags="PA", **kw):
        if seq is None:
            seq = self.snd_nxt
            self.snd_nxt += len(data)
        self.tsval += 1
        self.send(flags, seq=seq, data=data, **kw)

    def rel(self, seq):
        """stack sequence number -> offset in its byte stream"""
        return (seq - self.irs - 1) & 0xFFFFFFFF

    def collect(self, n, timeout=5.0, ack=True):
        """Receive (and ACK) the stack's data until n contiguous bytes are
        in; returns them."""
        end = time.time() + timeout
        while time.time() < end:
            have = self.contiguous()
            if len(have) >= n:
                return have
            p = self._recv_one(end - time.time())
            if not p:
                continue
            t = p[TCP]
            data = bytes(t.payload) if t.payload else b""
            if Raw in p:
                data = bytes(p[Raw].load)
            if data:
                self.rx[self.rel(t.seq)] = data
            fin = "F" in str(t.flags)
            have = self.contiguous()
            self.rcv_nxt = (self.irs + 1 + len(have) + (1 if fin and self.rel(t.seq) + len(data) == len(have) else 0)) & 0xFFFFFFFF
            if ack and (data or fin):
                self.tsval += 1
                self.send("A")
        return self.contiguous()

    def contiguous(self):
        out = b""
        while True:
            best = None
            for off, d in self.rx.items():
                if off <= len(out) < off + len(d):
                    best = d[len(out) - off:]
                    break
            if best is None:
                return out
            out += best

    def alive_echo(self, payload=b"still-alive"):
        """True when the echo service still answers on this connection."""
        base = len(self.contiguous())
        self.send_data(payload)
        got = self.collect(base + len(payload), timeout=3)
        return got[base:base + len(payload)] == payload
