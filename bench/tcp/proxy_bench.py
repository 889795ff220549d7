#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""CPU cost of zdp's tcp-proxy next to HAProxy (mode tcp) on the same machine.

    /usr/bin/python3 bench/tcp/proxy_bench.py [--build build-bench] [--secs 5]
        [--repeat 3] [--cases zdp,zdp-memif,zdp-ring,zdp-ring-tso,zdp-ring-lro,zdp-ring-gso,haproxy,
                 haproxy-nooff]
        [--memif-window 16] [--mtu 1500] [--json FILE] [--logs DIR]

Three network namespaces, created once per run (TAG is random):

    pbc-TAG (client)                                       pbs-TAG (server)
    198.18.0.2/24 --tap-- p0 198.18.0.1 [zdp] p1 198.18.1.1 --tap-- 198.18.1.10-17/24
      route 198.18.10.0/24 via .0.1   VIP 198.18.10.5:9000,9001 (tcp-proxy)
    198.18.2.2/24 --veth-- 198.18.2.1 [pbm-TAG: haproxy] 198.18.3.1 --veth-- 198.18.3.10/24

and, for zdp-memif and zdp-ring, no kernel interface at all (as
bench/tcp/proxy_scale.py; zdp-ring: a "ring:" port instead of memif):

    tcp_loadgen (CPU 0)  ==== one net_memif ====  zdp p0 198.18.0.1/17, 198.19.0.1/17
      clients 198.18.1.1-32  --> VIP 198.18.255.1:9000 (tcp-proxy)
      backends 198.19.1.1-8  <-- from 198.19.0.1:10000-65535

The client and server programs (bench/tcp/proxy_peer.py) are the same for
both proxies and run pinned to CPU 0; the proxy under test owns CPU 1:
  - zdp: --lcores 0@0,1@1 (management on CPU 0, the one worker on CPU 1),
    two net_tap ports whose kernel ends sit in the client and server
    namespaces, routes `trafficRoutes[].mode: tcp-proxy`.
  - zdp-memif: the same zdp (same lcores, pools, 8 backend addresses) with
    one net_memif port (zdp the memif client) instead of the TAPs; its
    peers are bench/tcp/tcp_loadgen, one DPDK process pinned to CPU 0 that
    runs zdp's own TCP stack as both the clients and the backends (memif
    server). This takes the kernel out of zdp's side entirely: the worker
    makes no system call, and what it costs is zdp plus the memif PMD's
    copies (memif copy mode: every frame is copied into and out of the
    shared ring) and software checksums (memif offers no offload).
  - zdp-ring: the same, but zdp's port is `ring:NAME,checksum=peer` and the
    loadgen a DPDK secondary process of zdp's EAL (started after zdp, which
    owns the hugepages; --no-huge cannot host a secondary). Frames pass as
    mbuf pointers; the loadgen does a NIC's part: its DMA (it copies each
    frame into one receive buffer, on CPU 0) and its checksum offloads
    (docs/config.md). zdp's worker copies and sums nothing, as with a NIC.
    What it still pays and a NIC would spare it: every mbuf and frame
    header it reads was last written by CPU 0 (a NIC's RX mbufs are the
    worker's own, recycled hot; DDIO puts frames in the LLC).
  - zdp-ring-tso: zdp-ring with `segmentation=peer`: the loadgen is also
    the NIC's TSO. zdp sends packets of up to 64 KiB for the NIC to split
    (the loadgen's stack takes them whole); zdp still receives 1,500-byte
    frames (the loadgen cuts its own TSO packets, on CPU 0).
  - zdp-ring-lro: the same, and the NIC's LRO too: what the loadgen's
    stack sends as 64 KiB TSO packets reaches zdp as one coalesced segment
    in one buffer each. Super-segments both ways, as HAProxy has them with
    GSO/GRO on (which NICs do LRO: docs/performance-tcp.md).
  - zdp-ring-gso: zdp-ring (the port does not segment) with
    `gateway.tcpSegmentation: software`: zdp's stack sends TSO packets and
    the worker cuts them itself (dataplane/gso.c), against zdp-ring's MSS
    segments from the stack.
  --mtu sets the veths' MTU and zdp-ring's link MTU (zdp over net_tap and
  zdp-memif stay at 1500); the loadgen's receive buffers grow to fit.
  - HAProxy 2.6: nbthread 1, cpu-map and taskset to CPU 1, in the middle
    namespace; two variants: the veth defaults (TSO/GSO/GRO on: 64 KiB
    segments cross the veths unsplit) and with TSO/GSO/GRO off on all four
    veth ends (1500-byte segments, as zdp gets from the taps).
Receive Packet Steering puts the middle namespace's receive processing on
CPU 1 (rps_cpus of its two veths) and the endpoints' (client/server ends of
veths and taps) on CPU 0, so each proxy's CPU does the proxy's kernel work
and not the endpoints'.

Per case and per repeat (cases interleaved, zdp/haproxy restarted each time):
  bulk:  one connection, client -> proxy -> sink for --secs, 1 MiB sends;
         the sink's byte count must equal what was sent.
         zdp-memif, zdp-ring: the loadgen's `bulk SECS 1 1`: one connection
         sending MSS-sized segments (1,448 bytes at MTU 1500) as fast as the window allows, the backend
         discarding, after 1 s of warm-up; then it stops sending and checks
         that the backend got every byte the client queued.
  conns: --conn-procs clients loop connect / 64-byte request / 128-byte
         reply / server closes first, for --secs or --conn-max connections.
         zdp-memif: the loadgen's `rr SECS WINDOW 64 128 MAX`: the same
         exchange, --memif-window (16) connections in flight instead of 4
         sequential clients (its cost per connection is flat from 4 to 64:
         within 5 %; 16 keeps zdp's bursts close to the kernel case's few
         packets at a time), after 1 s of warm-up, for --secs or
         --memif-conn-max measured connections. Each reply is derived from
         the index the request names and is checked, then the server's FIN.
Cost:
  zdp      zdp_worker_busy_cycles_total delta (TSC cycles of loop iterations
           that found packets; the worker polls, so wall time means nothing).
           zdp-memif: over the loadgen's measured part (read when it prints
           "start" and when it prints "stop" or its result).
  haproxy  CPU 1's non-idle time from /proc/stat (user+nice+system+irq+
           softirq; steal and idle excluded) over the same interval: the
           haproxy thread, its syscalls and the middle namespace's softirq.
           Converted to cycles with zdp_tsc_hz (zdp's TSC calibration).
  zdp without its TAP kernel time (what zdp itself costs; a NIC's PMD
           would add little): bounds from the worker thread's utime/stime
           (see zdp_user_bounds). With no traffic the worker makes no system
           call at all (net_tap reads only after a SIGIO; checked for 2 s
           before the jobs), so its kernel time is the TAP's. Both bounds
           still include the net_tap PMD's user-space part (signal handling,
           software checksums). For zdp-memif they equal the corrected cost
           (no system time): a check, not an estimate.
Both counts include anything else the scheduler ran on CPU 1 meanwhile; the
table keeps, per case and job, the run with the lowest cost (--repeat), and
also shows a cost corrected for that (zdp: busy x the worker thread's
on-CPU share; haproxy: its thread's on-CPU time + CPU 1 irq/softirq ticks).
The table and --json (key "summary") give kernel / zdp and kernel /
zdp-memif for every cost.

Everything is removed on every exit path (processes by PID/process group,
namespaces by name, memif sockets, the EAL runtime directories of zdp and
the loadgen).
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))       # bench/, for benchlib
from benchlib import (Owned, RunGuard, fmt, free_ports, http_get, hugepages_free,  # noqa: E402
                      interrupt_on, kv, lcore_thread, log, machine_info, require_exes, scrape,
                      thread_ns, thread_times, wait_quiet, wait_zdp_ready)
PY = "/usr/bin/python3"
PEER = os.path.join(HERE, "proxy_peer.py")
LOADGEN = os.path.join("bench", "tcp", "tcp_loadgen")
sys.path.insert(0, HERE)
from proxy_peer import REQ as PEER_REQ, REPLY as PEER_REPLY  # noqa: E402

VIP = "198.18.10.5"
HAP_FRONT = "198.18.2.1"
HAP_SRC = "198.18.3.1"
SRV_VETH = "198.18.3.10"
SRV_TAP = ["198.18.1.%d" % (10 + i) for i in range(8)]
PORT_BULK, PORT_RR = 9000, 9001
PROXY_CPU, GEN_CPU = 1, 0
# zdp-memif (addresses as bench/tcp/proxy_scale.py; they exist only inside
# zdp and tcp_loadgen, never in a kernel)
M_ZDP_MAC, M_LG_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
M_VIP, M_PORT = "198.18.255.1", 9000
M_CLIENT0, M_N_CLIENTS = "198.18.1.1", 32
M_BACKEND0, M_N_BACKENDS = "198.19.1.1", 8     # as many as SRV_TAP
M_TCP_CONNS = 1 << 19       # zdp pools.tcpConnectionsPerCore (TIME-WAITs, see --memif-conn-max)
# The loadgen's MSL: its backends close first, so each holds a TIME-WAIT
# (2 MSL). With the loadgen's default 1 ms, a loadgen that lost its CPU for
# a few ms sometimes never ACKed zdp's upstream FIN (seen: the FIN taken,
# no ACK sent, the connection gone 2 ms later; zdp's RTO 200 ms later drew
# a RST: the stack's poll ran the TIME-WAIT timer before the pending ACK,
# fixed in 39f47c6). 100 ms keeps runs comparable with the first ones: up
# to ~50,000 TIME-WAITs at 250,000 connections/s.
M_LG_MSL_US = 100000
M_LG_CONNS = 131072         # + 2 per client slot

# processes (stopped by process group: forked peers included) and EAL prefixes
OWNED = Owned(group=True)
NAMESPACES = []


def sh(*cmd, check=True, timeout=60):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode,
                                               (r.stderr or r.stdout).strip()))
    return r


def sh_retry(*cmd, tries=15):
    """Set-up right after a TAP moved namespace can race with the kernel and
    with DPDK's own ioctls on it (see tests/integration/zdptopo.py)."""
    for i in range(tries):
        try:
            return sh(*cmd)
        except RuntimeError:
            if i == tries - 1:
                raise
            time.sleep(0.2)


def nsx(ns, *cmd, **kw):
    return sh("ip", "netns", "exec", ns, *cmd, **kw)


def cleanup():
    OWNED.cleanup()
    for ns in list(NAMESPACES):
        sh("ip", "netns", "del", ns, check=False)
        NAMESPACES.remove(ns)


def iface_exists(name):
    return os.path.exists("/sys/class/net/" + name)


# --------------------------------------------------------------------------
# CPU accounting

def proc_stat_cpu(cpu):
    """(non-idle ticks, irq+softirq ticks, steal ticks) of one CPU, in USER_HZ."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu%d " % cpu):
                v = [int(x) for x in line.split()[1:]]
                user, nice, system, idle, iowait, irq, softirq, steal = v[:8]
                return (user + nice + system + irq + softirq, irq + softirq, steal)
    raise RuntimeError("no cpu%d in /proc/stat" % cpu)


# --------------------------------------------------------------------------
# topology

class Topo:
    """Client, middle and server namespaces with their veths and servers."""

    def __init__(self, logdir, mtu=1500):
        self.mtu = mtu
        self.tag = "%06x" % random.getrandbits(24)
        self.cli, self.mid, self.srv = ("pb%s-%s" % (k, self.tag) for k in "cms")
        # veth ends: client side, middle-client, middle-server, server side
        self.v_c, self.v_mc, self.v_ms, self.v_s = ("pb%s%s" % (k, self.tag)
                                                    for k in ("c", "x", "y", "s"))
        self.logdir = logdir
        self.servers = []

    def setup(self):
        for ns in (self.cli, self.mid, self.srv):
            sh("ip", "netns", "add", ns)
            NAMESPACES.append(ns)
            nsx(ns, "ip", "link", "set", "lo", "up")
            nsx(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
            nsx(ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
            nsx(ns, "sysctl", "-qw", "net.core.somaxconn=8192")
            nsx(ns, "sysctl", "-qw", "net.ipv4.tcp_max_syn_backlog=8192")
        sh("ip", "link", "add", self.v_c, "netns", self.cli, "type", "veth",
           "peer", "name", self.v_mc, "netns", self.mid)
        sh("ip", "link", "add", self.v_s, "netns", self.srv, "type", "veth",
           "peer", "name", self.v_ms, "netns", self.mid)
        for ns, dev, addr in ((self.cli, self.v_c, "198.18.2.2/24"),
                              (self.mid, self.v_mc, HAP_FRONT + "/24"),
                              (self.mid, self.v_ms, HAP_SRC + "/24"),
                              (self.srv, self.v_s, SRV_VETH + "/24")):
            nsx(ns, "ip", "addr", "add", addr, "dev", dev)
            nsx(ns, "ip", "link", "set", dev, "mtu", str(self.mtu), "up")
            self.rps(ns, dev, PROXY_CPU if ns == self.mid else GEN_CPU)
        self.servers.append(self.peer(self.srv, "server-sink", "serve", "--port",
                                      str(PORT_BULK), "--mode", "sink", "--procs", "2"))
        self.servers.append(self.peer(self.srv, "server-rr", "serve", "--port",
                                      str(PORT_RR), "--mode", "rr", "--procs", "4"))
        for p in self.servers:
            if p.stdout.readline().strip() != "listening":
                raise RuntimeError("proxy_peer server did not start (logs in %s)" % self.logdir)

    def rps(self, ns, dev, cpu):
        nsx(ns, "sh", "-c", "echo %x > /sys/class/net/%s/queues/rx-0/rps_cpus"
            % (1 << cpu, dev))

    def offloads(self, on):
        v = "on" if on else "off"
        for ns, dev in ((self.cli, self.v_c), (self.mid, self.v_mc), (self.mid, self.v_ms),
                        (self.srv, self.v_s)):
            nsx(ns, "ethtool", "-K", dev, "tso", v, "gso", v, "gro", v)

    def peer(self, ns, logname, *args):
        return OWNED.start(["ip", "netns", "exec", ns, "taskset", "-c", str(GEN_CPU), PY,
                            PEER] + list(args), os.path.join(self.logdir, logname + ".log"),
                           stdout=subprocess.PIPE)

    def client(self, *args, timeout=120):
        """Run a proxy_peer client in the client namespace on the generator CPU."""
        r = nsx(self.cli, "taskset", "-c", str(GEN_CPU), PY, PEER, *args, timeout=timeout,
                check=False)
        try:
            return json.loads(r.stdout)
        except ValueError:
            raise RuntimeError("client %s failed: %s" % (args[0], (r.stderr or r.stdout)[-2000:]))


# --------------------------------------------------------------------------
# zdp

def zdp_config(tap_c, tap_s, ports):
    adm, met, rdy = ports
    wl = []
    for i, a in enumerate(SRV_TAP):
        wl.append("""  - uid: bench//Pod/srv-%d
    name: srv-%d
    namespace: bench
    workloadIps: [%s]
    protocol: TCP
    services:
      bench/sink.bench.svc.cluster.local: { %d: %d }
      bench/rr.bench.svc.cluster.local: { %d: %d }
""" % (i, i, a, PORT_BULK, PORT_BULK, PORT_RR, PORT_RR))
    return """# bench/tcp/proxy_bench.py: zdp as a TCP proxy between two namespaces.
workloads:
%s
services:
  - { name: sink, namespace: bench, hostname: sink.bench.svc.cluster.local, ports: { %d: %d } }
  - { name: rr, namespace: bench, hostname: rr.bench.svc.cluster.local, ports: { %d: %d } }
gateway:
  workers: 1
  pools: { mbufsPerPort: 16383, mbufCache: 256, flowsPerCore: 65536, neighEntries: 1024 }
  admin: 127.0.0.1:%d
  metrics: 127.0.0.1:%d
  readiness: 127.0.0.1:%d
  ports:
    - { name: p0, device: "net_tap0,iface=%s", addresses: [198.18.0.1/24] }
    - { name: p1, device: "net_tap1,iface=%s", addresses: [198.18.1.1/24] }
  trafficRoutes:
    - name: bench-bulk
      vip: %s
      port: %d
      mode: tcp-proxy
      backends: [ { service: bench/sink.bench.svc.cluster.local } ]
    - name: bench-rr
      vip: %s
      port: %d
      mode: tcp-proxy
      backends: [ { service: bench/rr.bench.svc.cluster.local } ]
""" % ("".join(wl), PORT_BULK, PORT_BULK, PORT_RR, PORT_RR, adm, met, rdy, tap_c, tap_s,
       VIP, PORT_BULK, VIP, PORT_RR)


class Zdp:
    def __init__(self, args, topo, run_id):
        self.args, self.topo = args, topo
        self.tap_c, self.tap_s = "pbzc%s" % topo.tag, "pbzs%s" % topo.tag
        self.ports = free_ports(3)
        self.cfg = os.path.join(topo.logdir, "zdp-%s.yaml" % run_id)
        self.logname = os.path.join(topo.logdir, "zdp-%s.log" % run_id)
        with open(self.cfg, "w") as f:
            f.write(zdp_config(self.tap_c, self.tap_s, self.ports))
        pfx = "pb%s" % topo.tag
        OWNED.prefix(pfx)
        eal = ["--lcores", "0@%d,1@%d" % (GEN_CPU, PROXY_CPU), "--no-pci", "--file-prefix", pfx,
               "--log-level", "user1:info", "-m", "512"]
        self.huge = hugepages_free() >= 300
        eal += ["--huge-unlink"] if self.huge else ["--no-huge"]
        self.p = OWNED.start([os.path.join(args.build, "mgmt", "zdp")] + eal +
                             ["--", "--config", self.cfg], self.logname)
        try:
            self._bring_up()
        except BaseException:
            self.close()
            raise

    def _wait(self, cond, secs, what):
        t_end = time.time() + secs
        while time.time() < t_end:
            if self.p.poll() is not None:
                raise RuntimeError("zdp exited rc=%s (%s)" % (self.p.returncode, self.logname))
            try:
                if cond():
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        raise RuntimeError("%s (%s)" % (what, self.logname))

    def _bring_up(self):
        t = self.topo
        # Move the TAPs only once zdp has set its ports up: net_tap opens
        # each queue's fd with TUNSETIFF by name at queue set-up, and a name
        # that has already left zdp's namespace makes a new, unrelated TAP
        # there (zdp then talks to nobody: ARP unanswered, SYNs dropped as
        # neigh_unreachable). "running:" is logged after the ports start.
        self._wait(lambda: iface_exists(self.tap_c) and iface_exists(self.tap_s) and
                   "running:" in open(self.logname).read(), 30,
                   "zdp did not start its TAP ports")
        sh_retry("ip", "link", "set", self.tap_c, "netns", t.cli)
        sh_retry("ip", "link", "set", self.tap_s, "netns", t.srv)
        sh_retry("ip", "netns", "exec", t.cli, "ip", "addr", "add", "198.18.0.2/24",
                 "dev", self.tap_c)
        sh_retry("ip", "netns", "exec", t.cli, "ip", "link", "set", self.tap_c, "up")
        sh_retry("ip", "netns", "exec", t.cli, "ip", "route", "replace", "198.18.10.0/24",
                 "via", "198.18.0.1")
        for a in SRV_TAP:
            sh_retry("ip", "netns", "exec", t.srv, "ip", "addr", "add", a + "/24",
                     "dev", self.tap_s)
        sh_retry("ip", "netns", "exec", t.srv, "ip", "link", "set", self.tap_s, "up")
        t.rps(t.cli, self.tap_c, GEN_CPU)
        t.rps(t.srv, self.tap_s, GEN_CPU)
        self._wait(lambda: http_get(self.ports[2], "/healthz/ready")[0] == 200, 30,
                   "zdp never became ready")
        self.tid = lcore_thread(self.p.pid, required=True)
        m = self.metrics()
        self.tsc_hz = m["zdp_tsc_hz"]

    def metrics(self):
        return scrape(self.ports[1])

    def close(self):
        OWNED.stop(self.p)


# --------------------------------------------------------------------------
# zdp over net_memif, tcp_loadgen as both peers

def ip_add(a, n):
    v = int.from_bytes(socket.inet_aton(a), "big") + n
    return socket.inet_ntoa(v.to_bytes(4, "big"))


def zdp_memif_config(device, ports, mtu=1500, seg_mode="device"):
    """zdp's side of zdp-memif and zdp-ring: as zdp_config (same pools, 8
    backend addresses), but one port (@device) carrying both the clients'
    and the backends' subnets, and proxy_scale.py's port ranges and route;
    @seg_mode is gateway.tcpSegmentation."""
    adm, met, rdy = ports
    wl = []
    for i in range(M_N_BACKENDS):
        wl.append("""  - uid: bench//Pod/lg-%d
    name: lg-%d
    namespace: bench
    workloadIps: [%s]
    protocol: TCP
    services:
      bench/lg.bench.svc.cluster.local: { %d: %d }
""" % (i, i, ip_add(M_BACKEND0, i), M_PORT, M_PORT))
    return """# bench/tcp/proxy_bench.py: zdp as a TCP proxy between tcp_loadgen's two ends.
workloads:
%s
services:
  - { name: lg, namespace: bench, hostname: lg.bench.svc.cluster.local, ports: { %d: %d } }
gateway:
  workers: 1
  pools: { mbufsPerPort: 32767, mbufCache: 256, flowsPerCore: 65536, neighEntries: 1024,
           tcpConnectionsPerCore: %d }
  natPorts: 1024-9999
  proxyPorts: 10000-65535
  tcpSegmentation: %s
  admin: 127.0.0.1:%d
  metrics: 127.0.0.1:%d
  readiness: 127.0.0.1:%d
  ports:
    - name: p0
      device: %s
      mtu: %d
      addresses: [198.18.0.1/17, 198.19.0.1/17]
  trafficRoutes:
    - name: bench-memif
      vip: %s
      port: %d
      mode: tcp-proxy
      backends: [ { service: bench/lg.bench.svc.cluster.local } ]
""" % ("".join(wl), M_PORT, M_PORT, M_TCP_CONNS, seg_mode, adm, met, rdy, device, mtu,
       M_VIP, M_PORT)


class ZdpMemif:
    """tcp_loadgen (CPU 0) and zdp (--lcores 0@0,1@1), started fresh for one
    run; loadgen commands through cmd().

    memif: the loadgen is the memif server, zdp the client, each a DPDK
           primary; both copy every frame.
    ring:  zdp (started first) has a "ring:" port with checksum=peer and the
           loadgen is a DPDK secondary process of zdp's EAL on that port's
           rings: frames pass as mbuf pointers, and the loadgen does what a
           NIC with checksum offloads does (dataplane/port.c), so zdp's
           worker does what it would over a NIC: no copy, no checksum pass."""

    def __init__(self, args, logdir, run_id, tag, transport="memif", seg="none"):
        self.args, self.run_id, self.transport = args, run_id, transport
        self.sock = OWNED.socket(os.path.join(logdir, "memif-%s.sock" % run_id))
        self.ports = free_ports(3)
        self.cfg = os.path.join(logdir, "zdp-%s.yaml" % run_id)
        self.logname = os.path.join(logdir, "zdp-%s.log" % run_id)
        self.lg_logname = os.path.join(logdir, "loadgen-%s.log" % run_id)
        self.ring = "pb%d" % os.getpid()
        device = ("ring:%s,mac=%s,checksum=peer%s" % (self.ring, M_ZDP_MAC,
                                                     ",segmentation=peer"
                                                     if seg in ("tso", "lro") else "")
                  if transport == "ring"
                  else "net_memif0,role=client,socket=%s,mac=%s" % (self.sock, M_ZDP_MAC))
        self.mtu = args.mtu if transport == "ring" else 1500
        with open(self.cfg, "w") as f:
            # gso: the port cannot segment, the worker cuts the stack's
            # TSO packets itself (gso.h)
            f.write(zdp_memif_config(device, self.ports, self.mtu,
                                     "software" if seg == "gso" else "device"))
        self.lg_pfx = OWNED.prefix("pbl%s%d" % (tag, os.getpid()))
        self.z_pfx = OWNED.prefix("pbz%s%d" % (tag, os.getpid()))
        self.p = self.lg = None
        max_cl = max(1024, args.memif_window)
        # pools (zdp: 32,767 mbufs, flows, connections at ~700 B; the
        # loadgen: 131,071 mbufs) plus slack; both fit in 2 GB of hugepages
        z_mb = 512 + M_TCP_CONNS * 700 // (1 << 20)
        lg_conns = 2 * max_cl + M_LG_CONNS
        lg_mb = 768 + (lg_conns * 620) // (1 << 20) + (288 if seg == "lro" else 0)  # 64 KiB DMA
        self.huge = args.memif_huge and hugepages_free() * 2 >= z_mb + lg_mb + 128
        if transport == "ring" and hugepages_free() * 2 < z_mb + lg_mb + 128:
            raise RuntimeError("zdp-ring needs %d MB of free hugepages (a DPDK secondary "
                               "process cannot attach to --no-huge memory)"
                               % (z_mb + lg_mb + 128))
        lg_args = ["--", "--dst-mac", M_ZDP_MAC, "--vip", M_VIP, "--vport", str(M_PORT),
                   "--clients", M_CLIENT0, "--n-clients", str(M_N_CLIENTS), "--spread-clients",
                   "--backends", M_BACKEND0, "--n-backends", str(M_N_BACKENDS),
                   "--bport", str(M_PORT), "--max-clients", str(max_cl),
                   "--max-conns", str(lg_conns), "--msl-us", str(M_LG_MSL_US)]
        try:
            if transport == "ring":
                # zdp first: its EAL owns the memory and the rings. Its
                # hugepage files stay linked so the loadgen can map them
                # (OWNED removes them by prefix).
                self._start_zdp(["-m", str(z_mb)])
                # lcore 2: zdp's mempool caches are per lcore id, and zdp
                # uses 0 and 1
                self._start_loadgen(["--lcores", "2@%d" % GEN_CPU, "--proc-type=secondary",
                                     "--no-pci", "--file-prefix", self.z_pfx] + lg_args +
                                    ["--ring", self.ring, "--mac", M_LG_MAC,
                                     "--checksum", "peer", "--mtu", str(self.mtu)] +
                                    ["--segmentation", "none" if seg == "gso" else seg])
            else:
                self._start_loadgen(["-l", str(GEN_CPU), "--no-pci", "--file-prefix",
                                     self.lg_pfx] + self._mem(lg_mb) +
                                    ["--vdev", "net_memif0,role=server,socket=%s,mac=%s"
                                     % (self.sock, M_LG_MAC)] + lg_args)
                self._start_zdp(self._mem(z_mb))
        except BaseException:
            self.close()
            raise

    def _start_loadgen(self, argv):
        self.lg = OWNED.start(["taskset", "-c", str(GEN_CPU),
                               os.path.join(self.args.build, LOADGEN)] + argv,
                              self.lg_logname, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.lg.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError("tcp_loadgen did not start (%s)" % self.lg_logname)

    def _start_zdp(self, mem):
        self.p = OWNED.start([os.path.join(self.args.build, "mgmt", "zdp"), "--lcores",
                              "0@%d,1@%d" % (GEN_CPU, PROXY_CPU), "--no-pci",
                              "--file-prefix", self.z_pfx, "--log-level", "user1:info"] +
                             mem + ["--", "--config", self.cfg], self.logname)
        wait_zdp_ready(self.p, self.ports[2], self.ports[1], 120, self.logname,
                       worker_started=True)
        self.tid = lcore_thread(self.p.pid, required=True)
        self.tsc_hz = self.metrics()["zdp_tsc_hz"]

    def _mem(self, mb):
        """Hugepages with --memif-huge when enough are free, else --no-huge
        (the memif regions are memfd either way)."""
        if self.huge:
            return ["-m", str(mb), "--huge-unlink"]
        return ["--no-huge", "-m", str(mb)]

    def metrics(self):
        return scrape(self.ports[1])

    def cmd(self, c, on_start=None, on_stop=None):
        """Run loadgen command @c; its result line as a dict. @on_start and
        @on_stop run when it says the measured part starts / ends. Every
        command ends on its own (its seconds, then at most 5 s of drain)."""
        self.lg.stdin.write(c + "\n")
        self.lg.stdin.flush()
        while True:
            line = self.lg.stdout.readline()
            if not line:
                raise RuntimeError("tcp_loadgen exited during '%s' (%s)" % (c, self.lg_logname))
            w = line.split(None, 1)[0] if line.strip() else ""
            if w == "start" and on_start:
                on_start()
            elif w == "stop" and on_stop:
                on_stop()
            elif w == "error":
                raise RuntimeError("tcp_loadgen: %s" % line.strip())
            elif w not in ("start", "stop"):
                return kv(line)

    def close(self):
        """zdp first (SIGTERM), then the loadgen (quit: it removes its EAL
        files itself); their EAL runtime directories and the socket go. With
        a ring the loadgen, zdp's secondary process, goes first, and zdp's
        hugepage files (kept linked for it) go too."""
        if self.lg is not None and self.lg.poll() is None:
            try:
                self.lg.stdin.write("quit\n")
                self.lg.stdin.flush()
            except OSError:
                pass
            if self.transport == "ring":
                try:
                    self.lg.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    pass
                OWNED.stop(self.lg)
        OWNED.stop(self.p)
        if self.lg is not None:
            try:
                self.lg.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
            OWNED.stop(self.lg)
        for pfx in (self.lg_pfx, self.z_pfx):
            shutil.rmtree("/var/run/dpdk/" + pfx, ignore_errors=True)
            for f in os.listdir("/dev/hugepages") if os.path.isdir("/dev/hugepages") else ():
                if f.startswith(pfx + "map_"):
                    try:
                        os.unlink(os.path.join("/dev/hugepages", f))
                    except OSError:
                        pass
        try:
            os.unlink(self.sock)
        except OSError:
            pass


# --------------------------------------------------------------------------
# HAProxy

def haproxy_config():
    return """# bench/tcp/proxy_bench.py: the kernel doing zdp's job, on one CPU.
global
    nbthread 1
    cpu-map 1/1 %d
    maxconn 8000
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend bulk
    bind %s:%d
    default_backend bulk
backend bulk
    server s1 %s:%d
frontend rr
    bind %s:%d
    default_backend rr
backend rr
    server s1 %s:%d
""" % (PROXY_CPU, HAP_FRONT, PORT_BULK, SRV_VETH, PORT_BULK, HAP_FRONT, PORT_RR,
       SRV_VETH, PORT_RR)


class Haproxy:
    def __init__(self, args, topo, run_id):
        self.topo = topo
        self.cfg = os.path.join(topo.logdir, "haproxy.cfg")
        with open(self.cfg, "w") as f:
            f.write(haproxy_config())
        self.logname = os.path.join(topo.logdir, "haproxy-%s.log" % run_id)
        # ip netns exec and taskset both exec: the PID is haproxy's.
        self.p = OWNED.start(["ip", "netns", "exec", topo.mid, "taskset", "-c",
                              str(PROXY_CPU), args.haproxy, "-db", "-f", self.cfg],
                             self.logname)
        t_end = time.time() + 10
        while "%s:%d" % (HAP_FRONT, PORT_RR) not in nsx(topo.mid, "ss", "-ltnH").stdout:
            if self.p.poll() is not None or time.time() > t_end:
                self.close()
                raise RuntimeError("haproxy did not start (%s)" % self.logname)
            time.sleep(0.1)

    def close(self):
        OWNED.stop(self.p)


# --------------------------------------------------------------------------
# measurement

class Meter:
    """CPU used on the proxy CPU over an interval, both ways of counting."""

    def __init__(self, kind, proxy):
        self.kind, self.proxy = kind, proxy

    def calibrate_idle(self, secs):
        """zdp only: what the worker does with no traffic at all (its idle
        loops: user and system time, cycles per loop)."""
        a = self.snap()
        time.sleep(secs)
        b = self.snap()
        polls = (b["m"]["zdp_worker_idle_polls_total"] - a["m"]["zdp_worker_idle_polls_total"])
        return {"idle_polls": polls, "utime_s": b["us"][0] - a["us"][0],
                "stime_s": b["us"][1] - a["us"][1], "wall_s": (b["t"] - a["t"]) / 1e9,
                "cycles_per_idle_poll": (b["m"]["zdp_worker_idle_cycles_total"] -
                                         a["m"]["zdp_worker_idle_cycles_total"]) / max(1.0, polls)}

    def snap(self):
        s = {"t": time.monotonic_ns(), "cpu": proc_stat_cpu(PROXY_CPU)}
        if self.kind == "zdp":
            s["m"] = self.proxy.metrics()
            s["thr"] = thread_ns(self.proxy.p.pid, self.proxy.tid)
            s["us"] = thread_times(self.proxy.p.pid, self.proxy.tid)
        else:
            s["thr"] = thread_ns(self.proxy.p.pid)
            s["us"] = thread_times(self.proxy.p.pid)
        return s

    def cost(self, a, b, tsc_hz):
        hz = os.sysconf("SC_CLK_TCK")
        wall = (b["t"] - a["t"]) / 1e9
        cpu_nonidle = (b["cpu"][0] - a["cpu"][0]) / hz
        cpu_irq = (b["cpu"][1] - a["cpu"][1]) / hz
        thr = (b["thr"] - a["thr"]) / 1e9
        utime, stime = (b["us"][i] - a["us"][i] for i in (0, 1))
        r = {"wall_s": wall, "cpu1_nonidle_s": cpu_nonidle, "cpu1_irq_softirq_s": cpu_irq,
             "cpu1_steal_s": (b["cpu"][2] - a["cpu"][2]) / hz, "proxy_thread_s": thr,
             "proxy_utime_s": utime, "proxy_stime_s": stime}
        if self.kind == "zdp":
            d = lambda k: b["m"].get(k, 0.0) - a["m"].get(k, 0.0)
            busy = d("zdp_worker_busy_cycles_total")
            share = min(1.0, thr / wall) if wall > 0 else 1.0
            r.update({"cycles": busy, "cycles_corrected": busy * share,
                      "worker_oncpu_share": share,
                      "busy_frac": busy / max(1.0, busy + d("zdp_worker_idle_cycles_total")),
                      "rx_pkts": d("zdp_queue_rx_packets_total"),
                      "tx_pkts": d("zdp_queue_tx_packets_total"),
                      "proxy": {k.split('"')[1]: d(k) for k in b["m"]
                                if k.startswith("zdp_proxy_connections_total{") and d(k)},
                      "mbufs_at_end": {k[len("zdp_port_mbufs"):]: b["m"][k] for k in b["m"]
                                       if k.startswith("zdp_port_mbufs{")},
                      "tcp": {k.split('"')[1]: d(k) for k in b["m"]
                              if k.startswith("zdp_tcp_stack_total{") and d(k)},
                      "drops": {k.split('"')[1]: d(k) for k in b["m"]
                                if k.startswith("zdp_drops_total{") and d(k)}})
        else:
            r.update({"cycles": cpu_nonidle * tsc_hz,
                      "cycles_corrected": min(cpu_nonidle, thr + cpu_irq) * tsc_hz})
        return r


def perf_start(args, topo, name):
    """perf record (cpu-clock) CPU 1 as a whole: the proxy thread, its
    system calls and the softirq work the kernel does there."""
    if not args.perf:
        return None
    out = os.path.join(topo.logdir, "perf-" + name)
    p = OWNED.start(["perf", "record", "-q", "-e", "cpu-clock", "-F", "1999",
                     "-C", str(PROXY_CPU), "-g", "-o", out + ".data", "--",
                     "sleep", str(max(1.0, args.secs - 0.5))], out + ".log")
    p.out = out
    time.sleep(0.3)
    return p


def perf_report(p):
    if p is None:
        return None
    p.wait(timeout=60)
    with open(p.out + ".txt", "w") as f:
        for sort in ("comm,dso", "comm,dso,symbol"):
            f.write("## --sort %s\n" % sort)
            f.flush()
            subprocess.run(["perf", "report", "-i", p.out + ".data", "--stdio", "--no-children",
                            "--sort", sort, "-g", "none", "--percent-limit", "0.5"],
                           stdout=f, stderr=subprocess.DEVNULL)
    OWNED.stop(p)
    return p.out + ".txt"


def diagnose(kind, proxy, topo, run_id):
    """After a failed job, while the proxy still runs: its counters and the
    kernel's view of every socket (ss -tin) in the three namespaces."""
    path = os.path.join(topo.logdir, "diag-%s.txt" % run_id)
    with open(path, "w") as f:
        if kind == "zdp":
            try:
                m = proxy.metrics()
                for k in sorted(m):
                    if "{" in k and m[k] and not k.startswith("zdp_config"):
                        f.write("%s %g\n" % (k, m[k]))
            except OSError as e:
                f.write("metrics: %s\n" % e)
        for ns in (topo.cli, topo.mid, topo.srv):
            f.write("\n## %s: ss -tin\n" % ns)
            f.write(nsx(ns, "ss", "-tin", check=False).stdout)
            f.write("\n## %s: ip -s link\n" % ns)
            f.write(nsx(ns, "ip", "-s", "link", check=False).stdout)
    return path


def measure(kind, proxy, topo, args, tsc_hz, dst, run_id):
    """Bulk then conns through one running proxy. Returns {bulk: .., conns: ..}."""
    try:
        return measure_jobs(kind, proxy, topo, args, tsc_hz, dst, run_id)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        raise RuntimeError("%s (state: %s)" % (e, diagnose(kind, proxy, topo, run_id)))


def measure_jobs(kind, proxy, topo, args, tsc_hz, dst, run_id):
    meter = Meter(kind, proxy)
    out = {}
    # Warm-up: neighbour resolution, first-connection paths, caches.
    topo.client("conns", "--dst", dst, "--port", str(PORT_RR), "--secs", "0.3",
                "--procs", "1", "--max", "50")
    topo.client("bulk", "--dst", dst, "--port", str(PORT_BULK), "--secs", "0.3")
    time.sleep(0.3)
    if kind == "zdp":
        out["idle"] = meter.calibrate_idle(2.0)

    a = meter.snap()
    prof = perf_start(args, topo, run_id + "-bulk")
    r = topo.client("bulk", "--dst", dst, "--port", str(PORT_BULK), "--secs", str(args.secs))
    b = meter.snap()
    c = meter.cost(a, b, tsc_hz)
    c["perf_report"] = perf_report(prof)
    c.update(r)
    c["ok"] = r["received"] == r["sent"]
    c["cycles_per_byte"] = c["cycles"] / max(1, r["sent"])
    c["cycles_per_byte_corrected"] = c["cycles_corrected"] / max(1, r["sent"])
    out["bulk"] = c
    time.sleep(0.5)

    a = meter.snap()
    prof = perf_start(args, topo, run_id + "-conns")
    r = topo.client("conns", "--dst", dst, "--port", str(PORT_RR), "--secs", str(args.secs),
                    "--procs", str(args.conn_procs), "--max", str(args.conn_max),
                    timeout=args.secs + 60)
    b = meter.snap()
    c = meter.cost(a, b, tsc_hz)
    c["perf_report"] = perf_report(prof)
    c.update(r)
    c["ok"] = not r["fails"]
    c["cycles_per_conn"] = c["cycles"] / max(1, r["conns"])
    c["cycles_per_conn_corrected"] = c["cycles_corrected"] / max(1, r["conns"])
    out["conns"] = c
    return out


def measure_memif(z, topo, args, run_id, jobs=("bulk", "conns")):
    """@jobs (bulk, conns) through zdp-memif, the loadgen playing the peers.
    zdp's counters are read when the loadgen says its measured part starts
    (after its own 1 s warm-up) and ends: "stop" (bulk, before it checks
    that every queued byte arrived) or its result line (rr). The caller
    runs each job in a fresh zdp and loadgen: the peer frees zdp's
    transmitted mbufs into its own per-core cache, so what one job leaves
    in the shared pool moved the next job's cost by up to 20 %."""
    meter = Meter("zdp", z)
    out = {"idle": meter.calibrate_idle(2.0)}
    snaps, prof = {}, []

    def begin(name):
        def f():
            snaps["a"] = meter.snap()
            prof.append(perf_start(args, topo, "%s-%s" % (run_id, name)))
        return f

    def end():
        snaps.setdefault("b", meter.snap())

    def cost(r):
        end()
        if "a" not in snaps:
            raise RuntimeError("tcp_loadgen never started measuring: %s" % r)
        c = meter.cost(snaps["a"], snaps["b"], z.tsc_hz)
        c["perf_report"] = perf_report(prof.pop() if prof else None)
        snaps.clear()
        num = {}
        for k, v in r.items():
            try:
                num[k] = float(v)
            except ValueError:
                num[k] = v
        c["loadgen"] = num
        c["loadgen_oncpu_share"] = num["lg_cpu_s"] / max(1e-9, num["secs"])
        c["secs"] = num["secs"]
        return c, num

    if "bulk" not in jobs:
        return measure_conns(z, args, out, begin, cost)
    # bulk: one connection, client -> zdp -> backend, which discards
    r = z.cmd("bulk %g 1 1" % args.secs, on_start=begin("bulk"), on_stop=end)
    c, n = cost(r)
    nbytes = int(n["bytes"])
    c.update({"sent": nbytes, "received": nbytes, "gbps": n["gbps"],
              "queued": int(n["queued"]), "delivered": int(n["delivered"]),
              "ok": n["check_ok"] == 1})
    c["cycles_per_byte"] = c["cycles"] / max(1, nbytes)
    c["cycles_per_byte_corrected"] = c["cycles_corrected"] / max(1, nbytes)
    out["bulk"] = c
    if "conns" not in jobs:
        return out
    time.sleep(0.5)
    return measure_conns(z, args, out, begin, cost)


def measure_conns(z, args, out, begin, cost):
    """measure_memif's conns job: --memif-window clients cycling request /
    reply / server closes."""
    r = z.cmd("rr %g %d %d %d %d" % (args.secs, args.memif_window, PEER_REQ, PEER_REPLY,
                                     args.memif_conn_max), on_start=begin("conns"))
    c, n = cost(r)
    done = int(n["done"])
    c.update({"conns": done, "conns_per_sec": n["cps"],
              "fails": {k: int(n[k]) for k in ("failed", "be_refused", "be_failed_cmd")
                        if n.get(k)},
              "window": args.memif_window})
    c["ok"] = not c["fails"]
    # zdp's own count over its own interval, against the loadgen's
    c["zdp_accepted"] = c["proxy"].get("accepted", 0.0)
    c["cycles_per_conn"] = c["cycles"] / max(1, done)
    c["cycles_per_conn_corrected"] = c["cycles_corrected"] / max(1, done)
    out["conns"] = c
    return out


def run_case(case, args, topo, run_id, tsc):
    # Every case starts without the previous one's TIME-WAIT sockets. A new
    # zdp draws new ISN and timestamp secrets and starts its ephemeral ports
    # at 61000 again, so the server's TIME-WAIT from the last zdp (60 s)
    # would refuse about half the reused 4-tuples (RFC 6191 checks): zdp
    # gets an ACK to its SYN, resets, and retries a second later.
    for ns in (topo.cli, topo.srv):
        nsx(ns, "ss", "-K", "-t", "state", "time-wait", check=False)
    if case == "zdp":
        z = Zdp(args, topo, run_id)
        try:
            tsc.setdefault("hz", z.tsc_hz)
            return measure("zdp", z, topo, args, z.tsc_hz, VIP, run_id)
        finally:
            z.close()
    if case in ("zdp-memif", "zdp-ring", "zdp-ring-tso", "zdp-ring-lro", "zdp-ring-gso"):
        out = {}
        for job in ("bulk", "conns"):	# each in a fresh zdp and loadgen
            jid = "%s-%s" % (run_id, job)
            z = ZdpMemif(args, topo.logdir, jid, topo.tag,
                         "memif" if case == "zdp-memif" else "ring",
                         case[9:] if case.startswith("zdp-ring-") else "none")
            try:
                tsc.setdefault("hz", z.tsc_hz)
                r = measure_memif(z, topo, args, jid, jobs=(job,))
                out["idle_" + job] = r.pop("idle")
                out.update(r)
            except (RuntimeError, OSError, ValueError, KeyError) as e:
                raise RuntimeError("%s (state: %s)" % (e, diagnose("zdp", z, topo, jid)))
            finally:
                z.close()
        out["idle"] = out["idle_bulk"]
        return out
    if "hz" not in tsc:
        raise RuntimeError("no TSC rate: no zdp case has run")
    topo.offloads(case == "haproxy")
    h = Haproxy(args, topo, run_id)
    try:
        return measure("haproxy", h, topo, args, tsc["hz"], HAP_FRONT, run_id)
    finally:
        h.close()


CASES = ("zdp", "zdp-memif", "zdp-ring", "zdp-ring-tso", "zdp-ring-lro", "zdp-ring-gso",
         "haproxy", "haproxy-nooff")
ZDP_CASES = ("zdp", "zdp-memif", "zdp-ring", "zdp-ring-tso", "zdp-ring-lro", "zdp-ring-gso")
KERNEL_CASES = ("haproxy", "haproxy-nooff")
CASE_TITLE = {"zdp": "zdp tcp-proxy (1 worker, net_tap, MTU 1500)",
              "zdp-memif": "zdp tcp-proxy (1 worker, net_memif, tcp_loadgen as the peers)",
              "zdp-ring": "zdp tcp-proxy (1 worker, ring port, tcp_loadgen as the peers "
                          "and as the NIC: DMA and checksum offload)",
              "zdp-ring-tso": "zdp tcp-proxy (1 worker, ring port, tcp_loadgen as the peers "
                              "and as the NIC: DMA, checksum offload, TSO)",
              "zdp-ring-lro": "zdp tcp-proxy (1 worker, ring port, tcp_loadgen as the peers "
                              "and as the NIC: DMA, checksum offload, TSO and LRO)",
              "zdp-ring-gso": "zdp tcp-proxy (1 worker, ring port as zdp-ring, "
                              "tcpSegmentation: software: the worker cuts TSO packets)",
              "haproxy": "HAProxy, veth defaults (MTU 1500, TSO/GSO/GRO on)",
              "haproxy-nooff": "HAProxy, veth TSO/GSO/GRO off (MTU 1500)"}
# cost keys compared between a kernel case and a zdp case; the zdp bounds
# are on-CPU figures, so they face the kernel's corrected ones
RATIO_KEYS = (("bulk", "cycles_per_byte", "cycles_per_byte"),
              ("bulk", "cycles_per_byte_corrected", "cycles_per_byte_corrected"),
              ("bulk", "cycles_per_byte_user_high", "cycles_per_byte_corrected"),
              ("bulk", "cycles_per_byte_user_low", "cycles_per_byte_corrected"),
              ("conns", "cycles_per_conn", "cycles_per_conn"),
              ("conns", "cycles_per_conn_corrected", "cycles_per_conn_corrected"),
              ("conns", "cycles_per_conn_user_high", "cycles_per_conn_corrected"),
              ("conns", "cycles_per_conn_user_low", "cycles_per_conn_corrected"))


def best(runs, job, key):
    ok = [r[job] for r in runs if r.get(job)]
    return min(ok, key=lambda c: c[key]) if ok else None


def zdp_user_bounds(run, tsc_hz):
    """Bounds on zdp's cost without the TAP's kernel time, per job of one
    zdp run (from the raw fields, so --table works on old files too).

    low:  on-CPU busy cycles - all the worker's system time. Too low when
          SIGIO deliveries (kernel time) land in idle loops, as they do.
    high: on-CPU busy cycles x the worker's overall user share (utime /
          (utime + stime)). Idle loops are almost all user time, so the
          overall share is above the busy loops' share: too high.
    On memif the worker makes no system call, so both come out at about
    the corrected cost (a check that nothing else is hidden there)."""
    for job, unit in (("bulk", "sent"), ("conns", "conns")):
        c = run.get(job)
        if not c or not c.get(unit):
            continue
        busy = c["cycles"] * c["worker_oncpu_share"]
        u, st = c["proxy_utime_s"], c["proxy_stime_s"]
        low = max(0.0, busy - st * tsc_hz)
        high = busy * u / max(1e-9, u + st)
        key = "byte" if job == "bulk" else "conn"
        c["cycles_per_%s_user_low" % key] = low / c[unit]
        c["cycles_per_%s_user_high" % key] = high / c[unit]


def summarize(results):
    """Per case, the cheapest run of each job and every run's figures; per
    kernel case and zdp case, kernel / zdp of each cost (RATIO_KEYS)."""
    s = {}
    for r in results["runs"]:
        if r["case"] in ZDP_CASES and "error" not in r:
            zdp_user_bounds(r, r["tsc_hz"])
    for case in CASES:
        runs = [r for r in results["runs"] if r["case"] == case and "error" not in r]
        s[case] = {"bulk": best(runs, "bulk", "cycles_per_byte"),
                   "conns": best(runs, "conns", "cycles_per_conn"),
                   "all_gbps": [round(r["bulk"]["gbps"], 2) for r in runs],
                   "all_cycles_per_byte": [round(r["bulk"]["cycles_per_byte"], 3) for r in runs],
                   "all_conns_per_sec": [round(r["conns"]["conns_per_sec"]) for r in runs],
                   "all_cycles_per_conn": [round(r["conns"]["cycles_per_conn"]) for r in runs]}
    ratios = {}
    for k in KERNEL_CASES:
        for z in ZDP_CASES:
            d = {}
            for job, zkey, kkey in RATIO_KEYS:
                zv = s[z][job] and s[z][job].get(zkey)
                kv_ = s[k][job] and s[k][job].get(kkey)
                d[zkey] = kv_ / zv if zv and kv_ else None
            ratios["%s/%s" % (k, z)] = d
    s["ratios"] = ratios
    return s


SUMMARY_KEYS = {"bulk": ("cycles_per_byte", "cycles_per_byte_corrected",
                         "cycles_per_byte_user_high", "cycles_per_byte_user_low", "gbps", "busy",
                         "worker_oncpu_share", "rep"),
                "conns": ("cycles_per_conn", "cycles_per_conn_corrected",
                          "cycles_per_conn_user_high", "cycles_per_conn_user_low",
                          "conns_per_sec", "busy", "worker_oncpu_share", "rep")}


def summary_json(results):
    """The table's figures for --json: per case and job the cheapest run's
    costs, and the kernel / zdp ratios ("haproxy/zdp-memif": {key: x})."""
    s = summarize(results)
    for r in results["runs"]:
        for job in ("bulk", "conns"):
            if job in r:
                r[job]["rep"] = r["rep"]
    out = {"ratios": s["ratios"]}
    for case in CASES:
        out[case] = {job: ({k: s[case][job].get(k) for k in keys} if s[case][job] else None)
                     for job, keys in SUMMARY_KEYS.items()}
    return out


def print_table(results):
    m = results["machine"]
    s = summarize(results)
    print("# %s, %d CPUs, kernel %s, HAProxy %s, TSC %.0f MHz (zdp_tsc_hz), %g s per job, "
          "best of %d" % (m["cpu"], m["ncpu"], m["kernel"], m["haproxy"],
                          (results.get("tsc_hz") or 0) / 1e6, results["secs"],
                          results["repeat"]))
    print()
    # the cases that ran; a kernel case's ratios face each zdp case
    ran = [c for c in CASES if s[c]["bulk"] or s[c]["conns"]]
    zc = [c for c in ran if c in ZDP_CASES]
    kc = [c for c in ran if c in KERNEL_CASES]
    head = {"zdp": "zdp (net_tap)", "zdp-memif": "zdp-memif", "zdp-ring": "zdp-ring",
            "zdp-ring-tso": "zdp-ring-tso", "zdp-ring-lro": "zdp-ring-lro",
            "zdp-ring-gso": "zdp-ring-gso",
            "haproxy": "HAProxy (veth defaults)", "haproxy-nooff": "HAProxy (TSO/GSO/GRO off)"}
    cols = [head[c] for c in zc]
    for k in kc:
        cols += [head[k]] + ["%s / %s" % (k, z) for z in zc]
    print("| job | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))

    def row(title, job, key, spec, ratio=True, hkey=None, kernel=True):
        hkey = hkey or key
        zv = [s[z][job] and s[z][job].get(key) for z in zc]
        cells = [fmt(v, spec) for v in zv]
        for k in kc:
            kv_ = s[k][job] and s[k][job].get(hkey) if kernel else None
            cells.append(fmt(kv_, spec))
            for v in zv:
                x = kv_ / v if ratio and kv_ and v else None
                cells.append(fmt(x, ".2f") + ("x" if x else "") if ratio else "")
        print("| %s | %s |" % (title, " | ".join(cells)))
    row("bulk: proxy cycles per byte", "bulk", "cycles_per_byte", ".3f")
    row("bulk: same, corrected for co-tenants", "bulk", "cycles_per_byte_corrected", ".3f")
    row("bulk: zdp without its syscalls (TAP kernel time), upper bound", "bulk",
        "cycles_per_byte_user_high", ".3f", hkey="cycles_per_byte_corrected")
    row("bulk: zdp without its syscalls (TAP kernel time), lower bound", "bulk",
        "cycles_per_byte_user_low", ".3f", hkey="cycles_per_byte_corrected")
    row("bulk: Gbit/s (one connection)", "bulk", "gbps", ".2f", ratio=False)
    row("bulk: proxy CPU busy (share of wall)", "bulk", "busy", ".0%", ratio=False)
    row("bulk: zdp worker on CPU 1 (schedstat share of wall)", "bulk", "worker_oncpu_share",
        ".0%", ratio=False, kernel=False)
    row("conns: proxy cycles per connection", "conns", "cycles_per_conn", ",.0f")
    row("conns: same, corrected for co-tenants", "conns", "cycles_per_conn_corrected", ",.0f")
    row("conns: zdp without its syscalls (TAP kernel time), upper bound", "conns",
        "cycles_per_conn_user_high", ",.0f", hkey="cycles_per_conn_corrected")
    row("conns: zdp without its syscalls (TAP kernel time), lower bound", "conns",
        "cycles_per_conn_user_low", ",.0f", hkey="cycles_per_conn_corrected")
    row("conns: connections/s", "conns", "conns_per_sec", ",.0f", ratio=False)
    row("conns: proxy CPU busy (share of wall)", "conns", "busy", ".0%", ratio=False)
    row("conns: zdp worker on CPU 1 (schedstat share of wall)", "conns", "worker_oncpu_share",
        ".0%", ratio=False, kernel=False)
    print()
    print("All runs (bulk Gbit/s, cycles/byte; conns/s, cycles/conn):")
    for case in CASES:
        print("  %-14s %s %s | %s %s" % (case, s[case]["all_gbps"], s[case]["all_cycles_per_byte"],
                                         s[case]["all_conns_per_sec"],
                                         s[case]["all_cycles_per_conn"]))
    memif = [r for r in results["runs"] if r["case"] == "zdp-memif" and "error" not in r]
    if memif:
        print()
        print("zdp-memif runs (loadgen = both peers on CPU 0; zdp counters over the loadgen's "
              "measured part):")
        for r in memif:
            b, c = r["bulk"], r["conns"]
            print("  run %d: bulk %s B, queued=delivered %s, loadgen on CPU %s, zdp retrans %s, "
                  "drops %s | conns %s (window %s, zdp accepted %s), fails %s, loadgen on CPU "
                  "%s, zdp retrans %s, drops %s" % (
                      r["rep"], fmt(b["sent"], ",d"), b["ok"], fmt(b["loadgen_oncpu_share"], ".0%"),
                      fmt(b["tcp"].get("tcp_retransmits", 0), ".0f"), b["drops"] or "none",
                      fmt(c["conns"], ",d"), c["window"], fmt(c["zdp_accepted"], ",.0f"),
                      c["fails"] or "none", fmt(c["loadgen_oncpu_share"], ".0%"),
                      fmt(c["tcp"].get("tcp_retransmits", 0), ".0f"), c["drops"] or "none"))
    errs = [r for r in results["runs"] if "error" in r]
    for r in errs:
        print("  error in %s run %d: %s" % (r["case"], r["rep"],
                                             r["error"].strip().splitlines()[-1][:300]))
    sys.stdout.flush()


def add_busy(res):
    """Share of wall time the proxy CPU spent on the job (zdp: busy loops)."""
    for job in ("bulk", "conns"):
        c = res.get(job)
        if not c:
            continue
        hz = res.get("tsc_hz") or 1
        c["busy"] = c["cycles"] / hz / c["wall_s"] if c["wall_s"] else None


def machine(args):
    m = machine_info()
    hv = sh(args.haproxy, "-v", check=False).stdout.split()
    m["haproxy"] = hv[2] if len(hv) > 2 else "?"
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--haproxy", default="/usr/sbin/haproxy")
    ap.add_argument("--secs", type=float, default=5.0, help="length of each job")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per case (interleaved); the table keeps the cheapest")
    ap.add_argument("--conn-procs", type=int, default=4, help="concurrent connection clients")
    ap.add_argument("--conn-max", type=int, default=12000,
                    help="stop the connection job after this many connections (zdp keeps "
                    "each closed front connection 60 s in TIME-WAIT in a 16384-entry pool)")
    ap.add_argument("--cases", default=",".join(CASES),
                    help="some of %s (run in that order: a zdp case first, its TSC rate "
                    "converts the kernel's CPU time)" % ",".join(CASES))
    ap.add_argument("--memif-window", type=int, default=16,
                    help="zdp-memif conns: connections the loadgen keeps in flight")
    ap.add_argument("--memif-conn-max", type=int, default=300000,
                    help="zdp-memif conns: stop after this many measured connections (zdp's "
                    "pool of %d holds their front halves' TIME-WAIT, 60 s; the loadgen's "
                    "1 s warm-up adds its own)" % M_TCP_CONNS)
    ap.add_argument("--memif-huge", action="store_true",
                    help="zdp-memif: hugepages for zdp and the loadgen when enough are free "
                    "(default --no-huge)")
    ap.add_argument("--mtu", type=int, default=1500,
                    help="IP MTU of the veths (kernel cases) and of zdp-ring's link; zdp "
                    "over net_tap and zdp-memif stay at 1500")
    ap.add_argument("--quiet-wait", type=float, default=30.0,
                    help="before each case wait up to this many seconds for CPU 1 to be idle")
    ap.add_argument("--perf", action="store_true",
                    help="perf record CPU 1 during each job (reports in the --logs directory)")
    ap.add_argument("--logs", help="keep configs and logs here (default: temp dir, removed)")
    ap.add_argument("--json", help="write raw results to this file")
    ap.add_argument("--table", metavar="JSON", help="print the table of a --json file and exit")
    args = ap.parse_args()

    if args.table:
        with open(args.table) as f:
            print_table(json.load(f))
        return 0
    args.build = os.path.abspath(args.build)
    cases = [c for c in args.cases.split(",") if c]
    bad = [c for c in cases if c not in CASES]
    if bad:
        log("unknown case %s (cases: %s)" % (",".join(bad), ",".join(CASES)))
        return 2
    cases = [c for c in CASES if c in cases]
    if not any(c in ZDP_CASES for c in cases):
        log("a zdp case must be among the cases (its TSC rate converts the kernel's CPU time)")
        return 2
    exes = [os.path.join("mgmt", "zdp")] + ([LOADGEN] if set(ZDP_CASES[1:]) & set(cases) else [])
    if not require_exes(args.build, *exes):
        return 2
    if not os.access(args.haproxy, os.X_OK):
        log("missing %s (apt-get install haproxy; scripts/deps/bench.txt)" % args.haproxy)
        return 2
    if os.cpu_count() < 2:
        log("needs 2 CPUs (proxy on CPU 1, traffic on CPU 0)")
        return 2
    os.sched_setaffinity(0, {GEN_CPU})
    if args.perf and not args.logs:
        args.logs = tempfile.mkdtemp(prefix="zdp-proxy-bench-")
    logdir = args.logs or tempfile.mkdtemp(prefix="zdp-proxy-bench-")
    os.makedirs(logdir, exist_ok=True)
    results = {"machine": machine(args), "secs": args.secs, "repeat": args.repeat,
               "conn_procs": args.conn_procs, "conn_max": args.conn_max,
               "memif_window": args.memif_window, "memif_conn_max": args.memif_conn_max,
               "memif_huge": args.memif_huge, "mtu": args.mtu, "cases": cases,
               "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "runs": []}
    log("machine: %s; logs in %s" % (json.dumps(results["machine"]), logdir))

    interrupt_on(signal.SIGTERM, signal.SIGHUP)
    tsc = {}
    topo = Topo(logdir, args.mtu)
    with RunGuard(logdir, args.logs, cleanup, keep_on_interrupt=True,
                  errors=(RuntimeError, OSError, subprocess.TimeoutExpired)) as guard:
        topo.setup()
        for rep in range(args.repeat):
            for case in cases:
                # CPU 1 idle (steal counts as idle); [cpu0, cpu1] busy shares
                b = wait_quiet(args.quiet_wait, cpu=PROXY_CPU, cpus=(0, 1), steal_idle=True)
                quiet = [b["cpu0"], b["cpu1"]]
                log("run %d/%d: %s ..." % (rep + 1, args.repeat, case))
                run = {"case": case, "rep": rep, "cpu_busy_before": quiet}
                try:
                    run.update(run_case(case, args, topo, "%s-%d" % (case, rep), tsc))
                    run["tsc_hz"] = tsc["hz"]
                    add_busy(run)
                    log("  bulk %.2f Gbit/s %.3f cyc/B (ok=%s); conns %.0f/s %.0f cyc/conn "
                        "fails=%s" % (run["bulk"]["gbps"], run["bulk"]["cycles_per_byte"],
                                      run["bulk"]["ok"], run["conns"]["conns_per_sec"],
                                      run["conns"]["cycles_per_conn"], run["conns"]["fails"]))
                except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
                    log("  error: %s" % e)
                    run["error"] = str(e)
                    guard.keep_logs = True      # the error names a log
                results["runs"].append(run)
    results["tsc_hz"] = tsc.get("hz")
    results["ended_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if results["runs"]:
        print_table(results)
        results["summary"] = summary_json(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return guard.rc


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
