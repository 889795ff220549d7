# SPDX-License-Identifier: BSD-3-Clause
"""Linux-side peers for zdp's integration tests (run inside a namespace).

  serve-tcp ADDR PORT VERSION   answer "VERSION\\n", then echo until EOF
  serve-udp ADDR PORT VERSION   answer each datagram with "VERSION:" + payload
  split HOST PORT N             N sequential connections; count versions
  expect-reset HOST PORT        connect once; report reset / connected / timeout
  udp HOST PORT N               N request/response exchanges over UDP
  longlived HOST PORT N STOPFILE  N connections streaming verified echo data
                                until STOPFILE exists
  serve-echo ADDR PORT          echo (no greeting), one thread, any number of
                                connections (selectors)
  serve-close-first ADDR PORT NBYTES OUT  send NBYTES, half-close, read to EOF;
                                append a JSON line per connection to OUT
  bulk HOST PORT NBYTES         random bytes up, the echo back; SHA-256 both
  close-first-client HOST PORT NBYTES  send NBYTES while the server sends
                                its data and half-closes first
  many HOST PORT N SIZE [GO]    N connections open at once (all connected
                                before any sends; with GO, print ALLCONNECTED
                                and wait for the file GO), each echoes SIZE bytes
  serial HOST PORT N SIZE RATE  N short connections one after another, at most
                                RATE a second, to a serve-tcp backend: read the
                                greeting, echo SIZE bytes, close first
Clients print one JSON object on stdout.
"""
import hashlib
import json
import os
import resource
import selectors
import socket
import socketserver
import sys
import threading
import time


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def serve_tcp(addr, port, version):
    class H(socketserver.BaseRequestHandler):
        def handle(self):
            s = self.request
            s.sendall(version.encode() + b"\n")
            while True:
                try:
                    d = s.recv(65536)
                except OSError:
                    return
                if not d:
                    return
                s.sendall(d)

    class S(socketserver.ThreadingTCPServer):
        address_family = family(addr)
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 1024

    S((addr, int(port)), H).serve_forever()


def serve_reset(addr, port):
    """Answer "hello\n", then reset the connection when data arrives."""
    import struct
    ls = socket.socket(family(addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(64)
    while True:
        c, _ = ls.accept()
        try:
            c.sendall(b"hello\n")
            c.recv(100)
        except OSError:
            pass
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()


def serve_udp(addr, port, version):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    while True:
        d, peer = s.recvfrom(65536)
        s.sendto(version.encode() + b":" + d, peer)


def read_line(s):
    buf = b""
    while not buf.endswith(b"\n"):
        d = s.recv(64)
        if not d:
            break
        buf += d
    return buf.decode().strip()


def split(host, port, n):
    counts, errors = {}, {}
    for _ in range(int(n)):
        s = socket.socket(family(host), socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect((host, int(port)))
            v = read_line(s)
            counts[v] = counts.get(v, 0) + 1
        except OSError as e:
            k = type(e).__name__
            errors[k] = errors.get(k, 0) + 1
        finally:
            s.close()
    print(json.dumps({"counts": counts, "errors": errors}))


def expect_reset(host, port):
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((host, int(port)))
        r = "connected"
    except ConnectionRefusedError:
        r = "reset"
    except socket.timeout:
        r = "timeout"
    except OSError as e:
        r = type(e).__name__
    s.close()
    print(json.dumps({"result": r}))


def hold(host, port, n, stopfile):
    """Open N connections, keep them until STOPFILE exists; report how many
    connected and how many were refused."""
    socks, refused, other = [], 0, 0
    for _ in range(int(n)):
        s = socket.socket(family(host), socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect((host, int(port)))
            read_line(s)
            socks.append(s)
        except ConnectionRefusedError:
            refused += 1
        except OSError:
            other += 1
    sys.stdout.write(json.dumps({"connected": len(socks), "refused": refused,
                                 "other": other}) + "\n")
    sys.stdout.flush()
    while not os.path.exists(stopfile):
        time.sleep(0.05)
    for s in socks:
        s.close()


def bulk(host, port, nbytes):
    """Send NBYTES of a known pattern while reading the echo; then half-close
    and wait for the server's EOF. Reports SHA-256 of both directions."""
    n = int(nbytes)
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect((host, int(port)))
    version = read_line(s)
    sent_h, recv_h = hashlib.sha256(), hashlib.sha256()
    got = [0]
    err = [None]

    def reader():
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    return
                recv_h.update(d)
                got[0] += len(d)
        except OSError as e:
            err[0] = repr(e)

    t = threading.Thread(target=reader)
    t.start()
    off = 0
    while off < n:
        chunk = os.urandom(min(1 << 18, n - off))   # fast enough for 1 GiB
        s.sendall(chunk)
        sent_h.update(chunk)
        off += len(chunk)
    s.shutdown(socket.SHUT_WR)
    t.join(60)
    s.close()
    print(json.dumps({"version": version, "sent": n, "received": got[0],
                      "sent_sha": sent_h.hexdigest(), "recv_sha": recv_h.hexdigest(),
                      "error": err[0]}))


def send_expect_reset(host, port):
    """Read the greeting, send a line, report what the peer did then."""
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((host, int(port)))
        greeting = read_line(s)
        s.sendall(b"boom\n")
        d = s.recv(100)
        r = "data" if d else "eof"
    except ConnectionResetError:
        r = "reset"
    except OSError as e:
        r = type(e).__name__
        greeting = None
    s.close()
    print(json.dumps({"greeting": greeting, "result": r}))


def reset_after_accept(host, port):
    """Connect and read: report what the peer did (data, eof or reset)."""
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((host, int(port)))
        d = s.recv(100)
        r = "data" if d else "eof"
    except ConnectionResetError:
        r = "reset"
    except ConnectionRefusedError:
        r = "refused"
    except OSError as e:
        r = type(e).__name__
    s.close()
    print(json.dumps({"result": r}))


def udp(host, port, n):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(1)
    ok, bad, lost = 0, 0, 0
    for i in range(int(n)):
        msg = b"ping-%d" % i
        s.sendto(msg, (host, int(port)))
        try:
            d, _ = s.recvfrom(65536)
            if d.endswith(b":" + msg):
                ok += 1
            else:
                bad += 1
        except socket.timeout:
            lost += 1
    print(json.dumps({"ok": ok, "bad": bad, "lost": lost}))


def pattern(conn_id, offset, n):
    """Deterministic bytes so every connection can verify what comes back."""
    out = bytearray()
    block = offset // 32
    skip = offset % 32
    while len(out) < n + skip:
        out += hashlib.sha256(b"%d:%d" % (conn_id, block)).digest()
        block += 1
    return bytes(out[skip:skip + n])


def longlived(host, port, n, stopfile):
    results = [None] * int(n)
    ready = threading.Barrier(int(n) + 1)

    def run(i):
        sent = recvd = 0
        err = None
        s = socket.socket(family(host), socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect((host, int(port)))
            version = read_line(s)
        except OSError as e:
            results[i] = {"ok": False, "error": "connect: %r" % e, "bytes": 0}
            ready.wait()
            return
        ready.wait()
        try:
            while not os.path.exists(stopfile):
                chunk = pattern(i, sent, 4096)
                s.sendall(chunk)
                sent += len(chunk)
                while recvd < sent:
                    d = s.recv(sent - recvd)
                    if not d:
                        raise OSError("EOF after %d bytes" % recvd)
                    if d != pattern(i, recvd, len(d)):
                        raise OSError("corrupt data at offset %d" % recvd)
                    recvd += len(d)
                time.sleep(0.005)
            s.shutdown(socket.SHUT_WR)
            if s.recv(1) != b"":
                raise OSError("data after our FIN")
        except OSError as e:
            err = repr(e)
        s.close()
        results[i] = {"ok": err is None, "error": err, "bytes": recvd, "version": version}

    threads = [threading.Thread(target=run, args=(i,)) for i in range(int(n))]
    for t in threads:
        t.start()
    ready.wait()
    sys.stderr.write("all connected\n")
    sys.stderr.flush()
    for t in threads:
        t.join()
    print(json.dumps({
        "ok": sum(1 for r in results if r and r["ok"]),
        "failed": [r for r in results if not (r and r["ok"])],
        "bytes": sum(r["bytes"] for r in results if r),
        "versions": sorted({r.get("version") for r in results if r and r.get("version")}),
    }))


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY:
        n = min(n, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, n), hard))


def serve_echo(addr, port):
    raise_nofile(65536)
    ls = socket.socket(family(addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(4096)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    while True:
        for key, _ in sel.select():
            if key.data is None:
                while True:
                    try:
                        c, _ = ls.accept()
                    except BlockingIOError:
                        break
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ, "c")
                continue
            c = key.fileobj
            try:
                d = c.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                d = b""
            if d:
                try:
                    c.setblocking(True)     # small echoes: never blocks long
                    c.sendall(d)
                    c.setblocking(False)
                    continue
                except OSError:
                    pass
            sel.unregister(c)
            c.close()


def close_first_data(n):
    """What serve-close-first sends: deterministic, so the test knows its hash."""
    return pattern(11, 0, n)


def serve_close_first(addr, port, nbytes, outfile):
    n = int(nbytes)
    data = close_first_data(n)
    ls = socket.socket(family(addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(16)
    while True:
        c, _ = ls.accept()
        c.settimeout(60)
        err = None
        got, h = 0, hashlib.sha256()
        try:
            c.sendall(data)
            c.shutdown(socket.SHUT_WR)      # we are done first
            while True:
                d = c.recv(1 << 20)
                if not d:
                    break
                h.update(d)
                got += len(d)
        except OSError as e:
            err = repr(e)
        c.close()
        with open(outfile, "a") as f:
            f.write(json.dumps({"sent": n, "rcvd": got, "rcvd_sha": h.hexdigest(),
                                "error": err}) + "\n")


def close_first_client(host, port, nbytes):
    """Keep sending NBYTES after the server's FIN arrived; then half-close."""
    n = int(nbytes)
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect((host, int(port)))
    recv_h, got, eof_at = hashlib.sha256(), [0], [None]
    err = [None]
    sent_h, off = hashlib.sha256(), 0

    def reader():
        try:
            while True:
                d = s.recv(1 << 20)
                if not d:
                    eof_at[0] = off
                    return
                recv_h.update(d)
                got[0] += len(d)
        except OSError as e:
            err[0] = repr(e)

    t = threading.Thread(target=reader)
    t.start()
    try:
        while off < n:
            chunk = os.urandom(min(1 << 16, n - off))
            s.sendall(chunk)
            sent_h.update(chunk)
            off += len(chunk)
            if off == 1 << 20:
                t.join(30)      # the server's data and FIN first, then the rest
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        err[0] = repr(e)
    t.join(60)
    s.close()
    print(json.dumps({"sent": off, "sent_sha": sent_h.hexdigest(), "received": got[0],
                      "recv_sha": recv_h.hexdigest(), "eof_after_sent": eof_at[0],
                      "error": err[0]}))


def many(host, port, n, size, gofile=None):
    """N connections open at the same time: all are connected before any
    sends (with GOFILE: then print ALLCONNECTED and wait for that file);
    each then sends SIZE bytes, reads the echo and closes."""
    n, size, port = int(n), int(size), int(port)
    raise_nofile(n + 1000)
    sel = selectors.DefaultSelector()
    t0 = time.time()
    socks = []
    for i in range(n):
        s = socket.socket(family(host), socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((host, port))
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE, i)
    payload = [(b"%08d" % i) * (size // 8) for i in range(n)]
    state = [0] * n           # 0 connecting, 1 reading, 2 done
    rx = [b""] * n
    done = ok = connected = failed = peak = 0
    deadline = time.time() + 240
    while done < n and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
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
                    if gofile:
                        print("ALLCONNECTED %d" % connected, flush=True)
                        while not os.path.exists(gofile) and time.time() < deadline:
                            time.sleep(0.05)
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
    print(json.dumps({"n": n, "ok": ok, "connected": connected, "failed": failed,
                      "concurrent": peak, "secs": time.time() - t0}))


def serial(host, port, n, size, rate):
    """N connections one after another, each starting at least 1/RATE s
    after the one before (a client that fell behind does not catch up in a
    burst). Each reads the greeting, sends SIZE bytes of its own and reads
    them back, then closes first: the proxy passes that FIN on, so zdp
    closes its upstream connection first too and keeps it in TIME-WAIT."""
    n, size, rate, port = int(n), int(size), float(rate), int(port)
    ok, errors, versions = 0, {}, {}
    t0 = nxt = time.time()
    for i in range(n):
        wait = nxt - time.time()
        if wait > 0:
            time.sleep(wait)
        nxt = max(nxt, time.time()) + 1 / rate
        payload = (b"%08d" % i) * (size // 8)
        s = socket.socket(family(host), socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect((host, port))
            v = read_line(s)
            versions[v] = versions.get(v, 0) + 1
            s.sendall(payload)
            got = b""
            while len(got) < len(payload):
                d = s.recv(65536)
                if not d:
                    break
                got += d
            if got == payload:
                ok += 1
            else:
                errors["mismatch"] = errors.get("mismatch", 0) + 1
        except OSError as e:
            k = type(e).__name__
            errors[k] = errors.get(k, 0) + 1
        finally:
            s.close()
    print(json.dumps({"n": n, "ok": ok, "errors": errors, "versions": versions,
                      "secs": time.time() - t0}))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {
        "serve-tcp": serve_tcp, "serve-udp": serve_udp, "split": split,
        "expect-reset": expect_reset, "udp": udp, "longlived": longlived, "hold": hold,
        "bulk": bulk, "read-once": reset_after_accept, "serve-reset": serve_reset,
        "send-expect-reset": send_expect_reset, "serve-echo": serve_echo,
        "serve-close-first": serve_close_first, "close-first-client": close_first_client,
        "many": many, "serial": serial,
    }[cmd](*args)
