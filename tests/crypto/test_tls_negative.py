# SPDX-License-Identifier: BSD-3-Clause
"""Negative interop: every failure named in issue 4, against OpenSSL peers
over real sockets. Each case checks three things: zdp ends the session with
the named reason counter, zdp sent the right alert, and the peer (s_client /
s_server) reports that alert. No case may deliver application bytes.

  identity / certificate failures   both roles (zdp as server and as client)
  missing client certificate        s_client without -cert
  tampered, replayed, oversized,    a record proxy between s_client and zdp
  unexpected records                rewrites the client's data record
"""
import os
import subprocess
import time

import pytest

import tlsutil as T

# (client identity for s_client, zdp reason, alert number, s_client's words)
SERVER_SIDE = [
    ("foreign", "err_wrong_trust_domain", 42, "bad certificate"),
    ("expired", "err_certificate_expired", 45, "certificate expired"),
    ("rogue", "err_certificate_untrusted", 48, "unknown ca"),
    (None, "err_no_peer_certificate", 116, "certificate required"),
    ("nospiffe", "err_no_spiffe_id", 42, "bad certificate"),
]


def _s_client_against_zdp(procs, pki, ident, payload=b"must not arrive\n", proxy=None):
    srv, port = T.start_harness_server(procs, pki, extra=["--echo"])
    target = port
    if proxy is not None:
        p = T.RecordProxy(port, proxy)
        target = p.port
    args = T.openssl_client_args(pki, target, ident=None, quiet=True)
    if ident is not None:
        cert = os.path.join(pki, ident + ("-leaf.pem" if ident != "rogue" else ".pem"))
        args += ["-cert", cert, "-key", os.path.join(pki, ident + ".key")]
        if ident != "rogue":
            args += ["-cert_chain", os.path.join(pki, "intermediate.pem")]
    cli = procs.start(args, stdin=subprocess.PIPE)
    time.sleep(0.5)
    try:
        cli.stdin.write(payload)
        cli.stdin.flush()
    except BrokenPipeError:
        pass
    o, e = T.finish(srv, timeout=30)
    try:
        cli.stdin.close()
    except BrokenPipeError:
        pass
    cerr = cli.stderr.read().decode(errors="replace")
    cout = cli.stdout.read()
    cli.wait(timeout=30)
    return T.parse_harness(o), o + e, cerr, cout


@pytest.mark.parametrize("ident,reason,alert,words", SERVER_SIDE)
def test_zdp_server_refuses_client(pki, procs, ident, reason, alert, words):
    r, log, cerr, cout = _s_client_against_zdp(procs, pki, ident)
    assert r.get("error") == reason, log
    assert int(r["alert_sent"]) == alert, log
    assert r["counters"][reason] == 1
    assert r["counters"]["handshakes_failed"] == 1
    assert r["recv"][0] == 0 and cout == b""
    assert words in cerr, cerr


# (s_server identity, what zdp expects, zdp reason, alert, s_server's words)
CLIENT_SIDE = [
    ("server", "spiffe://cluster.local/ns/default/sa/not-this-one", "err_wrong_identity", 42,
     "bad certificate"),
    ("foreign", T.SERVER_ID, "err_wrong_identity", 42, "bad certificate"),
    ("expired", T.SERVER_ID, "err_certificate_expired", 45, "certificate expired"),
]


@pytest.mark.parametrize("ident,expect,reason,alert,words", CLIENT_SIDE)
def test_zdp_client_refuses_server(pki, procs, ident, expect, reason, alert, words):
    port = T.free_port()
    srv = procs.start(T.openssl_server_args(pki, port, ident=ident), stdin=subprocess.PIPE,
                      stdout=subprocess.PIPE)
    T.wait_port(port)
    cli = procs.start(T.harness_args(pki, "client", "client", port, expect=(expect,),
                                     extra=["--send-file", "/dev/null"]), text=True)
    o, e = T.finish(cli, timeout=30)
    r = T.parse_harness(o)
    srv.stdin.close()
    serr = srv.stderr.read().decode(errors="replace")
    srv.wait(timeout=30)
    assert cli.returncode == 2, o + e
    assert r.get("error") == reason, o
    assert int(r["alert_sent"]) == alert
    assert "handshake" not in r
    assert words in serr, serr


def _data_record(rec):
    # s_client sends our 1000-byte line as one record: 1000 + type + tag.
    return rec[0] == 23 and len(rec) == 5 + 1000 + 1 + 16


def tamper(rec):
    if _data_record(rec):
        rec = bytearray(rec)
        rec[100] ^= 0x01
        return bytes(rec)
    return rec


def replay(rec):
    return rec + rec if _data_record(rec) else rec


def oversize(rec):
    # A header announcing 2^14 + 257 bytes: record_overflow before any
    # decryption (RFC 8446 §5.2).
    if _data_record(rec):
        return bytes([23, 3, 3]) + (16384 + 257).to_bytes(2, "big") + rec[5:]
    return rec


def unexpected(rec):
    # A plaintext handshake record after the handshake.
    if _data_record(rec):
        return bytes([22, 3, 3, 0, 5, 24, 0, 0, 1, 0])
    return rec


RECORD_CASES = [
    (tamper, "err_bad_record_mac", 20, "bad record mac", 0),
    (replay, "err_bad_record_mac", 20, "bad record mac", 1000),
    (oversize, "err_record_overflow", 22, "record overflow", 0),
    (unexpected, "err_unexpected_message", 10, "unexpected message", 0),
]


@pytest.mark.parametrize("mutate,reason,alert,words,delivered", RECORD_CASES,
                         ids=[c[0].__name__ for c in RECORD_CASES])
def test_zdp_refuses_bad_records(pki, procs, mutate, reason, alert, words, delivered):
    line = b"x" * 999 + b"\n"
    r, log, cerr, cout = _s_client_against_zdp(procs, pki, "client", payload=line, proxy=mutate)
    assert r.get("error") == reason, log
    assert int(r["alert_sent"]) == alert, log
    assert r["counters"][reason] == 1
    # Nothing unauthenticated delivered: only the genuine first copy of a
    # replayed record arrives.
    assert r["recv"][0] == delivered, log
    assert words in cerr, cerr


def test_zdp_client_refuses_server_without_alpn(pki, procs):
    """A server that ignores ALPN: zdp completes the handshake, then refuses
    with no_application_protocol, protected with the new keys."""
    port = T.free_port()
    args = [a for a in T.openssl_server_args(pki, port) if a not in ("-alpn", "h2")]
    srv = procs.start(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    T.wait_port(port)
    cli = procs.start(T.harness_args(pki, "client", "client", port,
                                     extra=["--send-file", "/dev/null"]), text=True)
    o, e = T.finish(cli, timeout=30)
    r = T.parse_harness(o)
    srv.stdin.close()
    serr = srv.stderr.read().decode(errors="replace")
    srv.wait(timeout=30)
    assert r.get("error") == "err_no_alpn_h2", o
    assert int(r["alert_sent"]) == 120
    assert "no application protocol" in serr, serr


def test_zdp_server_refuses_tls12(pki, procs):
    """TLS 1.3 only: a TLS 1.2 client gets protocol_version."""
    srv, port = T.start_harness_server(procs, pki, extra=["--echo"])
    args = [a if a != "-tls1_3" else "-tls1_2" for a in T.openssl_client_args(pki, port)]
    cli = procs.start(args, stdin=subprocess.PIPE)
    o, e = T.finish(srv, timeout=30)
    cli.stdin.close()
    cerr = cli.stderr.read().decode(errors="replace")
    cli.wait(timeout=30)
    r = T.parse_harness(o)
    assert r.get("error") == "err_handshake", o
    assert int(r["alert_sent"]) == 70
    assert "protocol version" in cerr, cerr
