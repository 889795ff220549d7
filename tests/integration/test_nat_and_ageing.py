# SPDX-License-Identifier: BSD-3-Clause
"""NAT port-pool exhaustion is a counted refusal (the client sees a reset),
and flows age out: UDP after its idle timeout, freeing their NAT ports."""
import json
import subprocess
import time

import pytest

import zdptopo


@pytest.fixture(scope="module")
def ngw(tmp_path_factory):
    # Four source ports for the whole gateway, 2 s UDP idle timeout.
    with zdptopo.Gateway(tmp_path_factory.mktemp("nat"), nat_ports="30000-30003",
                         udp_timeout="2s") as g:
        yield g


def test_nat_port_exhaustion_refused_with_counter(ngw, tmp_path):
    stop = tmp_path / "stop"
    before = ngw.drops("nat_ports_exhausted")
    p = subprocess.Popen(["ip", "netns", "exec", ngw.ns_cli, zdptopo.PY, zdptopo.PEER,
                          "hold", "198.18.10.1", "9080", "10", str(stop)],
                         stdout=subprocess.PIPE, text=True)
    ngw.procs.append(p)
    try:
        r = json.loads(p.stdout.readline())
    finally:
        stop.write_text("")
        p.wait(30)
    # Each backend's bindings need their own source ports: at most 4 per
    # backend (2 backends), so at least 2 of the 10 connections are refused
    # with a reset, never silently dropped.
    assert r["connected"] + r["refused"] == 10, r
    assert r["connected"] <= 8 and r["refused"] >= 2, r
    assert ngw.drops("nat_ports_exhausted") - before == r["refused"]
    m = ngw.metrics()
    assert m["zdp_nat_port_probes_total"] > 0


def test_udp_flows_expire_and_free_their_ports(ngw):
    m0 = ngw.metrics()
    # Four UDP clients (four source ports) use up the pool for one backend.
    for _ in range(4):
        assert ngw.client("udp", "198.18.10.2", "5353", "1")["ok"] == 1
    r = ngw.client("udp", "198.18.10.2", "5353", "1")
    assert r["ok"] == 0 and ngw.drops("nat_ports_exhausted") > \
        m0['zdp_drops_total{reason="nat_ports_exhausted"}']
    time.sleep(3.5)   # > 2 s idle timeout
    m1 = ngw.metrics()
    assert m1["zdp_flows_expired_total"] - m0["zdp_flows_expired_total"] >= 4
    # Ports are free again.
    assert ngw.client("udp", "198.18.10.2", "5353", "1")["ok"] == 1
