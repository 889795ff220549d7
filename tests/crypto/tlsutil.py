# SPDX-License-Identifier: BSD-3-Clause
"""Shared helpers for the crypto interop tests (tests/crypto/test_tls_*.py).

Everything runs on 127.0.0.1 only. Every process started here is recorded
and killed by PID when the test ends, pass or fail (the `procs` fixture).
"""
import hashlib
import os
import socket
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_ID = "spiffe://cluster.local/ns/default/sa/server"
CLIENT_ID = "spiffe://cluster.local/ns/app/sa/client"


def build_dir():
    return os.environ.get("ZDP_BUILD_DIR", "/work/main/build")


def harness_path():
    p = os.path.join(build_dir(), "tests", "crypto", "zdp_tls_harness")
    if not os.path.exists(p):
        raise RuntimeError("zdp_tls_harness not built in %s (set ZDP_BUILD_DIR)" % build_dir())
    return p


def sha256_file(path, skip=0):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        f.seek(skip)
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=10.0):
    """Wait until something listens on 127.0.0.1:port, without connecting
    (a probe would use up `s_server -naccept 1`)."""
    want = ":%04X" % port
    end = time.time() + timeout
    while time.time() < end:
        with open("/proc/net/tcp") as f:
            for line in f.readlines()[1:]:
                w = line.split()
                if w[1].endswith(want) and w[3] == "0A":
                    return
        time.sleep(0.05)
    raise TimeoutError("nothing listening on %d" % port)


class Procs:
    """Start processes; kill every one of them by PID at the end."""

    def __init__(self):
        self.procs = []

    def start(self, args, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        p = subprocess.Popen(args, **kw)
        self.procs.append(p)
        return p

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            for f in (p.stdin, p.stdout, p.stderr):
                try:
                    if f:
                        f.close()
                except OSError:
                    pass


def parse_harness(out):
    """HANDSHAKE / SENT / RECV / ERROR / COUNTER lines -> dict."""
    r = {"counters": {}}
    for line in out.splitlines():
        w = line.split()
        if not w:
            continue
        if w[0] == "HANDSHAKE":
            r["handshake"] = dict(kv.split("=", 1) for kv in w[1:])
        elif w[0] in ("SENT", "RECV"):
            r[w[0].lower()] = (int(w[1]), w[2])
        elif w[0] == "ERROR":
            r["error"] = w[1]
            r.update(dict(kv.split("=", 1) for kv in w[2:]))
        elif w[0] == "COUNTER":
            r["counters"][w[1]] = int(w[2])
        elif w[0] == "LISTENING":
            r["port"] = int(w[1])
    return r


def harness_args(pki, role, ident, port, listen=False, backend="ipsec-mb", expect=(SERVER_ID,),
                 extra=()):
    a = [harness_path(), "--role", role, "--listen" if listen else "--connect", str(port),
         "--bundle", os.path.join(pki, "bundle.pem"),
         "--cert", os.path.join(pki, ident + ".pem"), "--key", os.path.join(pki, ident + ".key"),
         "--backend", backend]
    if role == "client":
        for e in expect:
            a += ["--expect", e]
    return a + list(extra)


def start_harness_server(procs, pki, ident="server", backend="ipsec-mb", extra=()):
    """Start a listening harness, return (proc, port)."""
    p = procs.start(harness_args(pki, "server", ident, 0, listen=True, backend=backend, extra=extra),
                    stdin=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    assert line.startswith("LISTENING"), line
    return p, int(line.split()[1])


def finish(p, timeout=120):
    out, err = p.communicate(timeout=timeout)
    if isinstance(out, bytes):
        out = out.decode(errors="replace")
        err = err.decode(errors="replace")
    return out, err


def openssl_server_args(pki, port, ident="server", extra=()):
    return ["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-naccept", "1", "-quiet",
            "-cert", os.path.join(pki, ident + "-leaf.pem"),
            "-cert_chain", os.path.join(pki, "intermediate.pem"),
            "-key", os.path.join(pki, ident + ".key"), "-CAfile", os.path.join(pki, "bundle.pem"),
            "-Verify", "2", "-verify_return_error", "-tls1_3", "-alpn", "h2"] + list(extra)


def openssl_client_args(pki, port, ident="client", quiet=True, extra=()):
    a = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1_3", "-alpn", "h2",
         "-CAfile", os.path.join(pki, "bundle.pem"), "-verify_return_error"]
    if ident:
        a += ["-cert", os.path.join(pki, ident + "-leaf.pem"),
              "-cert_chain", os.path.join(pki, "intermediate.pem"),
              "-key", os.path.join(pki, ident + ".key")]
    if quiet:
        a.append("-quiet")
    return a + list(extra)


def pump_file_to(stream, path, chunk=1 << 20):
    """Feed a file into a pipe from a thread; returns the thread."""
    def run():
        try:
            with open(path, "rb") as f:
                while True:
                    b = f.read(chunk)
                    if not b:
                        break
                    stream.write(b)
                    stream.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def hash_stream(stream, result):
    """Hash everything read from a pipe into result['n'], result['sha']."""
    def run():
        h = hashlib.sha256()
        n = 0
        while True:
            b = stream.read(1 << 16)
            if not b:
                break
            h.update(b)
            n += len(b)
        result["n"] = n
        result["sha"] = h.hexdigest()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


class RecordProxy:
    """A loopback TCP proxy that parses the client->server byte stream into
    TLS records and lets `mutate(record) -> bytes` rewrite them (tamper,
    replay, inject). Server->client bytes pass untouched, so the alert zdp
    sends reaches the client as sent."""

    def __init__(self, target_port, mutate):
        self.target = target_port
        self.mutate = mutate
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.port = self.lsock.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        import select
        try:
            c, _ = self.lsock.accept()
        except OSError:
            return
        s = socket.create_connection(("127.0.0.1", self.target))
        buf = b""
        open_ends = {c, s}
        try:
            while open_ends:
                r, _, _ = select.select(list(open_ends), [], [], 10)
                if not r:
                    break
                for sock in r:
                    data = sock.recv(65536)
                    if sock is c:
                        if not data:
                            s.shutdown(socket.SHUT_WR)
                            open_ends.discard(c)
                            continue
                        buf += data
                        while len(buf) >= 5:
                            n = 5 + int.from_bytes(buf[3:5], "big")
                            if len(buf) < n:
                                break
                            rec, buf = buf[:n], buf[n:]
                            s.sendall(self.mutate(rec))
                    else:
                        if not data:
                            c.shutdown(socket.SHUT_WR)
                            open_ends.discard(s)
                            continue
                        c.sendall(data)
        except OSError:
            pass
        finally:
            c.close()
            s.close()
            self.lsock.close()
