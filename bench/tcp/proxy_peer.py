#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Traffic ends for bench/tcp/proxy_bench.py: plain Linux sockets, so that
the two proxies under test see the same, real TCP peers.

    proxy_peer.py serve --port P --mode sink|rr [--procs N] [--reply B]
    proxy_peer.py bulk  --dst IP --port P --secs S [--buf B]
    proxy_peer.py conns --dst IP --port P --secs S [--procs K] [--max N]

serve, mode sink: reads each connection to its end with 1 MiB recv_into,
  then answers the byte count (8 bytes, big endian) and closes. The client
  compares it with what it sent, so a lost or duplicated byte is seen.
serve, mode rr: reads a --req-byte request, sends a --reply-byte answer and
  closes first (HTTP/1.0 style: the server side takes the TIME-WAIT).
  N forked children accept on one listening socket.
bulk: one connection, sendall() of a 1 MiB buffer for S seconds, then
  shutdown(SHUT_WR) and wait for the sink's count. Prints JSON.
conns: K forked clients, each looping connect / send request / read the
  answer to EOF / close for S seconds (or until --max connections in all).
  Prints JSON: completed connections, failures by kind, wall time.

Python is enough here: bulk moves 1 MiB per system call, so the kernel does
the work; a connection costs the client a few dozen microseconds, which
bounds the rate (on the generator core) but not the proxy's cost per
connection, which the bench measures on the proxy's own core.
"""
import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import time

REQ = 64
REPLY = 128


def listen(port, backlog=4096):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(backlog)
    return s


def serve_sink(c, buf):
    view = memoryview(buf)
    n = 0
    while True:
        k = c.recv_into(view)
        if k == 0:
            break
        n += k
    c.sendall(struct.pack("!Q", n))


def serve_rr(c, req, reply):
    got = 0
    while got < req:
        d = c.recv(req - got)
        if not d:
            return
        got += len(d)
    c.sendall(reply)


def cmd_serve(a):
    ls = listen(a.port)
    buf = bytearray(1 << 20)
    reply = b"r" * a.reply
    kids = []
    for _ in range(a.procs):
        pid = os.fork()
        if pid == 0:
            try:
                while True:
                    c, _ = ls.accept()
                    try:
                        if a.mode == "sink":
                            serve_sink(c, buf)
                        else:
                            serve_rr(c, a.req, reply)
                    except OSError:
                        pass
                    finally:
                        c.close()
            except KeyboardInterrupt:
                pass
            os._exit(0)
        kids.append(pid)
    print("listening", flush=True)
    try:
        for pid in kids:
            os.waitpid(pid, 0)
    except KeyboardInterrupt:
        pass


def cmd_bulk(a):
    s = socket.create_connection((a.dst, a.port), timeout=10)
    s.settimeout(a.stall)
    buf = b"\x5a" * a.buf
    sent = 0
    t0 = time.monotonic()
    t_end = t0 + a.secs
    ack = b""
    try:
        while time.monotonic() < t_end:
            s.sendall(buf)
            sent += len(buf)
        s.shutdown(socket.SHUT_WR)
        while len(ack) < 8:
            d = s.recv(8 - len(ack))
            if not d:
                break
            ack += d
    except OSError as e:
        # A stall: show this socket as the kernel sees it before it goes.
        ss = subprocess.run(["ss", "-tin", "dst", "%s:%d" % (a.dst, a.port)],
                            capture_output=True, text=True).stdout
        sys.stderr.write("bulk: %s after %d bytes (%.1f s) in 1 MiB sends\n%s"
                         % (type(e).__name__, sent, time.monotonic() - t0, ss))
        return 1
    t1 = time.monotonic()
    s.close()
    got = struct.unpack("!Q", ack)[0] if len(ack) == 8 else -1
    print(json.dumps({"sent": sent, "received": got, "secs": t1 - t0,
                      "gbps": 8 * sent / (t1 - t0) / 1e9}))
    return 0 if got == sent else 1


def conn_loop(dst, port, t_end, max_n, req, reply_len):
    ok = 0
    fails = {}
    msg = b"q" * req
    while time.monotonic() < t_end and ok < max_n:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect((dst, port))
            s.sendall(msg)
            got = 0
            while True:
                d = s.recv(4096)
                if not d:
                    break
                got += len(d)
            if got == reply_len:
                ok += 1
            else:
                fails["short_reply"] = fails.get("short_reply", 0) + 1
        except OSError as e:
            k = type(e).__name__
            fails[k] = fails.get(k, 0) + 1
        finally:
            s.close()
    return ok, fails


def cmd_conns(a):
    t0 = time.monotonic()
    t_end = t0 + a.secs
    per = max(1, a.max // a.procs) if a.max else 1 << 62
    pipes = []
    for _ in range(a.procs):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            ok, fails = conn_loop(a.dst, a.port, t_end, per, a.req, a.reply)
            os.write(w, json.dumps({"ok": ok, "fails": fails}).encode())
            os._exit(0)
        os.close(w)
        pipes.append((pid, r))
    ok, fails = 0, {}
    for pid, r in pipes:
        data = b""
        while True:
            d = os.read(r, 65536)
            if not d:
                break
            data += d
        os.close(r)
        os.waitpid(pid, 0)
        res = json.loads(data or b'{"ok": 0, "fails": {"child_died": 1}}')
        ok += res["ok"]
        for k, v in res["fails"].items():
            fails[k] = fails.get(k, 0) + v
    t1 = time.monotonic()
    print(json.dumps({"conns": ok, "fails": fails, "secs": t1 - t0,
                      "conns_per_sec": ok / (t1 - t0)}))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--mode", choices=("sink", "rr"), required=True)
    s.add_argument("--procs", type=int, default=1)
    s.add_argument("--req", type=int, default=REQ)
    s.add_argument("--reply", type=int, default=REPLY)
    b = sub.add_parser("bulk")
    b.add_argument("--dst", required=True)
    b.add_argument("--port", type=int, required=True)
    b.add_argument("--secs", type=float, default=5)
    b.add_argument("--buf", type=int, default=1 << 20)
    b.add_argument("--stall", type=float, default=15, help="give up after this long without progress")
    c = sub.add_parser("conns")
    c.add_argument("--dst", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--secs", type=float, default=5)
    c.add_argument("--procs", type=int, default=4)
    c.add_argument("--max", type=int, default=0, help="stop after this many in all (0: no cap)")
    c.add_argument("--req", type=int, default=REQ)
    c.add_argument("--reply", type=int, default=REPLY)
    a = ap.parse_args()
    return {"serve": cmd_serve, "bulk": cmd_bulk, "conns": cmd_conns}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
