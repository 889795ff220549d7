# SPDX-License-Identifier: BSD-3-Clause
"""Interop: zdp's TLS engine against Node.js `node:tls` (a second independent
TLS stack on top of its own OpenSSL build) over loopback sockets.

Proves: mutual TLS 1.3 + ALPN h2 with SPIFFE identities in both roles,
100 MiB each way in one connection with SHA-256 checks, zdp-initiated
KeyUpdate answered by node, and a refused client certificate reported by
node as zdp's alert.
"""
import json
import os
import shutil
import subprocess

import pytest

import tlsutil as T

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node not installed")
PEER = os.path.join(T.HERE, "node_peer.js")


def test_node_server_zdp_client(pki, big_file, procs):
    size = os.path.getsize(big_file)
    node = procs.start([NODE, PEER, "server", "0", pki, "server", big_file, str(size)], text=True)
    line = node.stdout.readline()
    assert line.startswith("LISTENING"), line + node.stderr.read()
    port = int(line.split()[1])
    cli = procs.start(T.harness_args(pki, "client", "client", port,
                                     extra=["--send-file", big_file, "--recv-bytes", str(size),
                                            "--key-update-every", str(size // 3)]), text=True)
    o, e = T.finish(cli, timeout=180)
    r = T.parse_harness(o)
    assert cli.returncode == 0, o + e
    no, ne = T.finish(node, timeout=30)
    assert no.strip(), (ne, o)
    res = json.loads(no.splitlines()[-1])
    assert "error" not in res, (res, o)
    want = T.sha256_file(big_file)
    assert r["handshake"]["peer"] == T.SERVER_ID
    assert res["peer"] == T.CLIENT_ID and res["alpn"] == "h2"
    assert (res["recv"], res["sha"]) == (size, want)
    assert r["recv"] == (size, want)
    assert r["counters"]["key_updates_sent"] >= 2
    assert r["counters"].get("key_updates_received", 0) >= 1


def test_node_client_zdp_server(pki, big_file, procs):
    size = os.path.getsize(big_file)
    srv, port = T.start_harness_server(procs, pki, extra=["--echo", "--recv-bytes", str(size)])
    node = procs.start([NODE, PEER, "client", str(port), pki, "client", big_file, str(size),
                        T.SERVER_ID], text=True)
    o, e = T.finish(srv, timeout=180)
    r = T.parse_harness(o)
    assert srv.returncode == 0, o + e
    no, ne = T.finish(node, timeout=30)
    assert no.strip(), ne
    res = json.loads(no.splitlines()[-1])
    assert "error" not in res, (res, o)
    want = T.sha256_file(big_file)
    assert r["handshake"]["peer"] == T.CLIENT_ID
    assert res["peer"] == T.SERVER_ID
    assert r["recv"] == (size, want)
    assert (res["recv"], res["sha"]) == (size, want)


def test_node_client_wrong_trust_domain(pki, procs):
    srv, port = T.start_harness_server(procs, pki, extra=["--echo"])
    node = procs.start([NODE, PEER, "client", str(port), pki, "foreign", "-", "1", T.SERVER_ID],
                       text=True)
    o, e = T.finish(srv, timeout=30)
    r = T.parse_harness(o)
    no, ne = T.finish(node, timeout=30)
    assert r.get("error") == "err_wrong_trust_domain", o
    assert int(r["alert_sent"]) == 42
    res = json.loads(no.splitlines()[-1])
    assert "BAD_CERTIFICATE" in res.get("error", "") or "bad certificate" in res.get("message", ""), no
