# SPDX-License-Identifier: BSD-3-Clause
"""Linux-side peers for the zdp TCP interop tests; run inside the test
namespace (ip netns exec). Each mode prints one JSON line with what it saw."""
import hashlib
import json
import os
import resource
import selectors
import socket
import struct
import sys
import threading
import time

BLOCK = os.urandom(1 << 20)


def chunks(n):
    off = 0
    while off < n:
        k = min(len(BLOCK), n - off)
        yield BLOCK[:k] if k < len(BLOCK) else BLOCK
        off += k


def conn(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(120)
    s.connect((host, port))
    return s


def out(**kw):
    print(json.dumps(kw), flush=True)


def echo_client(host, port, n):
    s = conn(host, port)
    sent = hashlib.sha256()
    rcvd = hashlib.sha256()
    got = [0]
    t0 = time.time()

    def reader():
        while True:
            d = s.recv(1 << 20)
            if not d:
                return
            rcvd.update(d)
            got[0] += len(d)
    th = threading.Thread(target=reader)
    th.start()
    for c in chunks(n):
        s.sendall(c)
        sent.update(c)
    s.shutdown(socket.SHUT_WR)
    th.join()
    out(sent=n, sent_sha=sent.hexdigest(), rcvd=got[0], rcvd_sha=rcvd.hexdigest(),
        secs=time.time() - t0)


def sink_client(host, port, n):
    s = conn(host, port)
    h = hashlib.sha256()
    t0 = time.time()
    for c in chunks(n):
        s.sendall(c)
        h.update(c)
    s.shutdown(socket.SHUT_WR)
    reply = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        reply += d
    out(sent=n, sent_sha=h.hexdigest(), reply=reply.decode().strip(), secs=time.time() - t0)


def source_client(host, port, n):
    s = conn(host, port)
    t0 = time.time()
    s.sendall(b"%d\n" % n)
    h = hashlib.sha256()
    got = 0
    while True:
        d = s.recv(1 << 20)
        if not d:
            break
        h.update(d)
        got += len(d)
    # the server half-closed; our direction still works
    s.sendall(b"BYE-after-eof")
    s.close()
    out(rcvd=got, rcvd_sha=h.hexdigest(), secs=time.time() - t0)


def rst_client(host, port):
    s = conn(host, port)
    s.sendall(b"hello")
    try:
        d = s.recv(100)
        out(result="eof" if not d else "data")
    except ConnectionResetError:
        out(result="reset")


def server(mode, port, n, fam):
    ls = socket.socket(socket.AF_INET6 if fam == "6" else socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("::" if fam == "6" else "0.0.0.0", port))
    ls.listen(16)
    print("LISTENING", flush=True)
    ls.settimeout(60)
    s, _ = ls.accept()
    s.settimeout(60)
    if mode == "echo":
        got = 0
        while True:
            d = s.recv(1 << 20)
            if not d:
                break
            got += len(d)
            s.sendall(d)
        s.close()
        out(mode=mode, rcvd=got)
    elif mode == "close-first":
        # send our data, half-close, then keep reading the peer's
        h = hashlib.sha256()
        for c in chunks(n):
            s.sendall(c)
            h.update(c)
        s.shutdown(socket.SHUT_WR)
        r = hashlib.sha256()
        got = 0
        while True:
            d = s.recv(1 << 20)
            if not d:
                break
            r.update(d)
            got += len(d)
        s.close()
        out(mode=mode, sent=n, sent_sha=h.hexdigest(), rcvd=got, rcvd_sha=r.hexdigest())
    elif mode == "reset":
        s.recv(1000)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        out(mode=mode)


def many(host, port, n, size):
    """n concurrent connections: all opened first, then each sends size
    bytes, reads the echo and closes."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (n + 1000, n + 1000))
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    sel = selectors.DefaultSelector()
    t0 = time.time()
    socks = []
    for i in range(n):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((host, port))
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE, i)
    payload = [(b"%08d" % i) * (size // 8) for i in range(n)]
    state = [0] * n           # 0 connecting, 1 reading, 2 done
    rx = [b""] * n
    done = ok = 0
    connected = failed = 0
    peak = 0
    deadline = time.time() + 240
    while done < n and time.time() < deadline:
        for key, ev in sel.select(timeout=1):
            i = key.data
            s = socks[i]
            if state[i] == 0:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    state[i] = 2
                    done += 1
                    failed += 1
                    sel.unregister(s)
                else:
                    connected += 1
                    state[i] = 1
                    sel.modify(s, selectors.EVENT_READ, i)
                if connected + failed == n:
                    peak = connected
                    for j in range(n):
                        if state[j] == 1:
                            socks[j].send(payload[j])
                continue
            try:
                d = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                d = b""
            rx[i] += d
            if not d or len(rx[i]) >= size:
                state[i] = 2
                done += 1
                ok += rx[i] == payload[i]
                sel.unregister(s)
                s.close()
    out(n=n, ok=ok, connected=connected, concurrent=peak, secs=time.time() - t0)


if __name__ == "__main__":
    m = sys.argv[1]
    a = sys.argv[2:]
    if m == "echo-client":
        echo_client(a[0], int(a[1]), int(a[2]))
    elif m == "sink-client":
        sink_client(a[0], int(a[1]), int(a[2]))
    elif m == "source-client":
        source_client(a[0], int(a[1]), int(a[2]))
    elif m == "rst-client":
        rst_client(a[0], int(a[1]))
    elif m == "server":
        server(a[0], int(a[1]), int(a[2]), a[3])
    elif m == "many":
        many(a[0], int(a[1]), int(a[2]), int(a[3]))
