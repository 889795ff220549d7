# SPDX-License-Identifier: BSD-3-Clause
"""Drive tests/tcp/tcp_tap_echo (zdp's TCP stack behind a net_tap port) from
pytest: one network namespace per harness, the tap interface moved into it,
addresses from 198.18.200.0/24 and 2001:2:0:200::/64 only. Everything the
harness creates is removed by stop(), which the fixtures call on every exit
path (processes are killed by PID, never by name)."""
import itertools
import os
import select
import shutil
import signal
import subprocess
import time

ZDP_IP4, PEER_IP4 = "198.18.200.1", "198.18.200.2"
ZDP_IP6, PEER_IP6 = "2001:2:0:200::1", "2001:2:0:200::2"
SCAPY_IP4 = "198.18.200.3"     # raw-socket peer; the kernel does not own it
_seq = itertools.count()


def build_dir():
    d = os.environ.get("ZDP_BUILD_DIR")
    if not d:
        here = os.path.dirname(os.path.abspath(__file__))
        d = os.path.join(here, "..", "..", "build")
    return os.path.abspath(d)


def harness_binary():
    return os.path.join(build_dir(), "tests", "tcp", "tcp_tap_echo")


def run(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


class Harness:
    def __init__(self, *args):
        n = next(_seq)
        tag = f"{os.getpid() % 100000}{n}"
        self.ns = f"zt200-{tag}"
        self.iface = f"zt2{tag}"[:15]
        self.args = list(args)
        self.proc = None
        self.lines = []
        self.mac = None
        self._buf = b""

    # -- lifecycle --
    def start(self):
        run(["ip", "netns", "add", self.ns])
        cmd = [harness_binary(), "--no-huge", "-m", "512", "--no-pci",
               "--file-prefix", f"zt200{self.ns}", "--log-level", "lib.eal:error",
               "--no-telemetry", "-l", "0",
               "--vdev", f"net_tap0,iface={self.iface}", "--",
               "--ip4", ZDP_IP4, "--ip6", ZDP_IP6] + self.args
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(os.environ.get("ZDP_HARNESS_STDERR", os.devnull), "w"))
        line = self.wait_line(lambda l: l.startswith("READY"), timeout=30)
        self.mac = line.split("mac=")[1].strip()
        run(["ip", "link", "set", self.iface, "netns", self.ns])
        ns = ["ip", "-n", self.ns]
        run(ns + ["addr", "add", PEER_IP4 + "/24", "dev", self.iface])
        run(ns + ["addr", "add", PEER_IP6 + "/64", "dev", self.iface, "nodad"])
        run(ns + ["link", "set", self.iface, "up"])
        run(ns + ["link", "set", "lo", "up"])
        # resolve the neighbours now (the harness learns our MAC from them)
        self.nsexec(["ping", "-c1", "-W1", ZDP_IP4], check=False)
        self.nsexec(["ping", "-6", "-c1", "-W1", ZDP_IP6], check=False)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=5)
            except Exception:
                pass
            if self.proc.poll() is None:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        # EAL leaves its runtime directory behind (DPDK 22.11)
        shutil.rmtree(f"/var/run/dpdk/zt200{self.ns}", ignore_errors=True)
        run(["ip", "netns", "del", self.ns], check=False)

    # -- I/O --
    def _read_lines(self, timeout):
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            return
        chunk = os.read(self.proc.stdout.fileno(), 65536)
        if not chunk:
            raise RuntimeError("harness exited")
        self._buf += chunk
        while b"\n" in self._buf:
            l, self._buf = self._buf.split(b"\n", 1)
            self.lines.append(l.decode(errors="replace"))

    def wait_line(self, pred, timeout=60, start=0):
        end = time.time() + timeout
        i = start
        while True:
            while i < len(self.lines):
                if pred(self.lines[i]):
                    return self.lines[i]
                i += 1
            left = end - time.time()
            if left <= 0:
                raise TimeoutError("harness line not seen; last: %r" % self.lines[-5:])
            self._read_lines(min(left, 0.5))

    def cmd(self, s):
        self.proc.stdin.write((s + "\n").encode())
        self.proc.stdin.flush()

    def stats(self):
        mark = len(self.lines)
        self.cmd("stats")
        self.wait_line(lambda l: l == "STATS END", timeout=10, start=mark)
        out = {}
        for l in self.lines[mark:]:
            if l.startswith("STAT "):
                _, k, v = l.split()
                out[k] = int(v)
        return out

    def client(self, addr, port, nbytes, cid, timeout=120):
        mark = len(self.lines)
        self.cmd(f"connect {addr} {port} {nbytes} {cid}")
        l = self.wait_line(lambda l: l.startswith(f"CLIENT {cid} "), timeout, start=mark)
        return dict(kv.split("=", 1) for kv in l.split()[2:])

    def nsexec(self, argv, check=True, **kw):
        return run(["ip", "netns", "exec", self.ns] + argv, check=check, **kw)

    def nspopen(self, argv, **kw):
        return subprocess.Popen(["ip", "netns", "exec", self.ns] + argv, **kw)
