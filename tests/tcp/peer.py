# SPDX-License-Identifier: BSD-3-Clause
"""Linux-side peers for the zdp TCP interop tests; run inside the test
namespace (ip netns exec). Each mode prints one JSON line with what it saw."""
import hashlib
import json
import os
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
