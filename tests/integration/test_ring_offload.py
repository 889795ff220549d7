# SPDX-License-Identifier: BSD-3-Clause
"""Segmentation offloads end to end: zdp with a ring port whose peer is its
NIC for checksums and segmentation (`ring:NAME,...,checksum=peer,
segmentation=peer`), and bench/tcp/tcp_loadgen, a DPDK secondary process
of zdp's EAL, as that NIC and as the clients and backends on the far side.

Two NICs are played:
  - tso: the loadgen splits what zdp flags RTE_MBUF_F_TX_TCP_SEG and sends
    zdp wire-sized frames;
  - lro: it also hands zdp coalesced segments of up to 64 KiB (the TSO
    packets its own stack sends), as a NIC with LRO would.
Through both of zdp's paths:
  - tcp-proxy: zdp's stack terminates and re-originates; new data leaves
    as TSO packets (tcp_tso_packets_out), coalesced segments come in
    (tcp_coalesced_in);
  - NAT fast path: a coalesced segment is forwarded as a TSO packet with
    the segment size it came with, not refused as too big.
Every byte the clients queue reaches the backends (the loadgen's bulk
check); request/reply exchanges verify their bytes.

A secondary process cannot attach to --no-huge memory: these tests need
hugepages (scripts/test.sh reserves them) and are skipped without."""
import os
import shutil
import subprocess
import time
import urllib.request

import pytest

import zdptopo

LOADGEN = os.path.join(zdptopo.BUILD, "bench", "tcp", "tcp_loadgen")
ZMAC, LMAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
PROXY_VIP, NAT_VIP, PORT = "198.18.255.1", "198.18.255.2", 9000
BACKEND0, N_BACKENDS = "198.19.1.1", 4


def config(ring, http):
    wl = "".join("""  - uid: t//Pod/lg-%d
    name: lg-%d
    namespace: t
    workloadIps: [198.19.1.%d]
    protocol: TCP
    services:
      t/lg.t.svc.cluster.local: { %d: %d }
""" % (i, i, i + 1, PORT, PORT) for i in range(N_BACKENDS))
    return """workloads:
%s
services:
  - { name: lg, namespace: t, hostname: lg.t.svc.cluster.local, ports: { %d: %d } }
gateway:
  workers: 1
  pools: { mbufsPerPort: 16383, mbufCache: 256, flowsPerCore: 65536, neighEntries: 1024,
           tcpConnectionsPerCore: 16384 }
  natPorts: 1024-9999
  proxyPorts: 10000-65535
  admin: 127.0.0.1:%d
  metrics: 127.0.0.1:%d
  readiness: 127.0.0.1:%d
  ports:
    - name: p0
      device: ring:%s,mac=%s,checksum=peer,segmentation=peer
      addresses: [198.18.0.1/17, 198.19.0.1/17]
  trafficRoutes:
    - name: proxied
      vip: %s
      port: %d
      protocol: TCP
      mode: tcp-proxy
      backends:
        - { service: t/lg.t.svc.cluster.local, weight: 1 }
    - name: forwarded
      vip: %s
      port: %d
      protocol: TCP
      backends:
        - { service: t/lg.t.svc.cluster.local, weight: 1 }
""" % (wl, PORT, PORT, http, http + 1, http + 2, ring, ZMAC, PROXY_VIP, PORT, NAT_VIP, PORT)


def kv(line):
    return dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)


class Rig:
    """zdp (primary, hugepages kept linked) and at most one loadgen."""

    def __init__(self, workdir):
        self.tag = "%x" % zdptopo._RNG.getrandbits(24)
        self.prefix = "zro" + self.tag
        self.ring = "ro" + self.tag
        self.http = zdptopo.free_port_base(3)
        self.cfg = os.path.join(workdir, "zdp.yaml")
        self.log = os.path.join(workdir, "zdp.log")
        self.lg_log = os.path.join(workdir, "loadgen.log")
        self.zdp = self.lg = None
        with open(self.cfg, "w") as f:
            f.write(config(self.ring, self.http))

    def start(self):
        self.logf = open(self.log, "w")
        self.zdp = subprocess.Popen(
            [zdptopo.ZDP, "--lcores", "0@0,1@1", "--no-pci", "--file-prefix", self.prefix,
             "-m", "512", "--log-level", "user1:info", "--", "--config", self.cfg],
            stdout=self.logf, stderr=subprocess.STDOUT)
        end = time.time() + 60
        while not self.ready():
            if self.zdp.poll() is not None or time.time() > end:
                raise RuntimeError("zdp did not become ready: " + self.log_text())
            time.sleep(0.2)

    def ready(self):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/healthz/ready" % (self.http + 2),
                                        timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def metrics(self):
        out = {}
        with urllib.request.urlopen("http://127.0.0.1:%d/stats/prometheus" % (self.http + 1),
                                    timeout=5) as r:
            for line in r.read().decode().splitlines():
                if line and not line.startswith("#"):
                    k, _, v = line.rpartition(" ")
                    out[k] = float(v)
        return out

    def tcp(self, m, name):
        return m.get('zdp_tcp_stack_total{counter="%s"}' % name, 0)

    def start_loadgen(self, vip, seg):
        self.stop_loadgen()
        self.lgf = open(self.lg_log, "a")
        self.lg = subprocess.Popen(
            [LOADGEN, "--lcores", "2@0", "--proc-type=secondary", "--no-pci",
             "--file-prefix", self.prefix, "--",
             "--dst-mac", ZMAC, "--vip", vip, "--vport", str(PORT),
             "--clients", "198.18.1.1", "--n-clients", "8", "--spread-clients",
             "--backends", BACKEND0, "--n-backends", str(N_BACKENDS), "--bport", str(PORT),
             "--max-clients", "64", "--max-conns", "4096", "--mbufs", "32767",
             "--msl-us", "100000", "--ring", self.ring, "--mac", LMAC,
             "--checksum", "peer", "--segmentation", seg],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.lgf, text=True)
        line = self.lg.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError("tcp_loadgen did not start: %r %s" % (line, self.lg_text()))

    def cmd(self, line, result):
        """Send a loadgen command; return the key=value fields of the line
        that starts with @result."""
        self.lg.stdin.write(line + "\n")
        self.lg.stdin.flush()
        while True:
            out = self.lg.stdout.readline()
            if not out:
                raise RuntimeError("tcp_loadgen exited during %r: %s" % (line, self.lg_text()))
            if out.startswith("error"):
                raise RuntimeError(out)
            if out.startswith(result + " "):
                return kv(out)

    def stop_loadgen(self):
        if self.lg is not None:
            if self.lg.poll() is None:
                try:
                    self.lg.stdin.write("quit\n")
                    self.lg.stdin.flush()
                    self.lg.wait(20)
                except (OSError, subprocess.TimeoutExpired):
                    zdptopo._kill(self.lg)
            self.lgf.close()
            self.lg = None

    def log_text(self):
        with open(self.log) as f:
            return f.read()[-4000:]

    def lg_text(self):
        with open(self.lg_log) as f:
            return f.read()[-2000:]

    def close(self):
        self.stop_loadgen()
        if self.zdp is not None:
            if self.zdp.poll() is None:
                self.zdp.terminate()
                try:
                    self.zdp.wait(15)
                except subprocess.TimeoutExpired:
                    zdptopo._kill(self.zdp)
            self.logf.close()
        # zdp's hugepage files stayed linked for the loadgen
        zdptopo._remove_eal_files(self.prefix)


@pytest.fixture
def rig(tmp_path):
    if not os.path.exists(LOADGEN):
        pytest.fail("tcp_loadgen not built at %s" % LOADGEN)
    if zdptopo._free_hugepages() < 640:
        pytest.skip("needs ~1.3 GB of free hugepages (a DPDK secondary process cannot "
                    "attach to --no-huge memory)")
    r = Rig(str(tmp_path))
    try:
        r.start()
        yield r
        assert r.zdp.poll() is None, "zdp died: " + r.log_text()
    finally:
        r.close()
        shutil.rmtree("/var/run/dpdk/" + r.prefix, ignore_errors=True)


def bulk_through(rig, vip, seg, conns=4, secs=2):
    """A loadgen playing the @seg NIC sends for @secs through @vip; every
    byte queued must arrive. Returns zdp's metrics before and after."""
    rig.start_loadgen(vip, seg)
    m0 = rig.metrics()
    r = rig.cmd("bulk %d %d 1" % (secs, conns), "bulk")
    assert r["check_ok"] == "1", r
    assert int(r["delivered"]) == int(r["queued"]) > 1 << 20, r
    return m0, rig.metrics()


@pytest.mark.parametrize("seg", ["tso", "lro"])
def test_tcp_proxy_segmentation_offloads(rig, seg):
    m0, m1 = bulk_through(rig, PROXY_VIP, seg)
    # zdp sent new data as TSO packets, and the loadgen took them whole
    assert rig.tcp(m1, "tcp_tso_packets_out") > rig.tcp(m0, "tcp_tso_packets_out") + 100
    st = rig.cmd("stats", "stats")
    assert int(st.get("tcp_coalesced_in", 0)) > 100, st
    coalesced = rig.tcp(m1, "tcp_coalesced_in") - rig.tcp(m0, "tcp_coalesced_in")
    if seg == "lro":
        assert coalesced > 100
    else:
        assert coalesced == 0
    # request/reply: every byte checked, both directions
    r = rig.cmd("rr 1 8 300 1000", "rr")
    assert int(r["done"]) > 100 and int(r["failed"]) == 0, r
    for reason in ("mtu_exceeded", "l4_bad_checksum", "no_mbuf", "tx_full"):
        assert m1.get('zdp_drops_total{reason="%s"}' % reason, 0) == 0, reason


@pytest.mark.parametrize("seg", ["tso", "lro"])
def test_nat_forwards_coalesced_segments(rig, seg):
    m0, m1 = bulk_through(rig, NAT_VIP, seg)
    # the fast path, not the stack, carried it
    assert rig.tcp(m1, "tcp_segments_in") - rig.tcp(m0, "tcp_segments_in") < 100
    st = rig.cmd("stats", "stats")
    got_big = int(st.get("tcp_coalesced_in", 0))
    if seg == "lro":
        # coalesced segments forwarded as TSO packets: the loadgen's
        # backends took them whole
        assert got_big > 100, st
    else:
        assert got_big == 0, st
    for reason in ("mtu_exceeded", "l4_bad_checksum", "no_mbuf", "tx_full", "no_flow"):
        assert m1.get('zdp_drops_total{reason="%s"}' % reason, 0) == 0, reason
