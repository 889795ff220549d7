#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""zdp's tcp-proxy at scale, driven by a DPDK-native TCP load generator.

    /usr/bin/python3 bench/tcp/proxy_scale.py [--build build-bench]
        [--conns 1000000] [--cps 10] [--bulk 10] [--modes conns,cps,bulk]
        [--json FILE] [--logs DIR] [--huge]

    tcp_loadgen (memif server, core 0)  ==== net_memif ====  zdp (worker on core 1)
      clients 198.18.1.1-32    --> VIP 198.18.255.1:9000 (tcp-proxy) --> front half
      backends 198.19.1.1-64   <-- 198.19.0.1:10000-65535 upstream   <-- back half

tcp_loadgen (bench/tcp/tcp_loadgen.c) runs zdp's own TCP stack on one lcore
and plays both the clients and the backends; every relay is verified by an
echo of a 32-byte request naming the connection. No Linux sockets anywhere.
Consecutive connections come from consecutive client addresses
(--spread-clients), so zdp resolves all 32 in the first milliseconds rather
than meeting a new one every 64,512 connections mid-run.

Modes (each in fresh processes, so one mode's TIME-WAITs do not weigh on the
next):
  conns  open --conns client connections (2x that in zdp's stack), verify each
         with an echo, hold them all, read zdp's /tcp/connections?limit=0
         inUse, its RSS (/proc/<pid>/status) and DPDK heap (telemetry
         /eal/heap_info) against a baseline zdp with a 64-connection pool, then
         echo once more on every held connection at once (ping).
  cps    open, 32-byte request, echo, close, --window at a time, for --cps s;
         zdp busy cycles per connection.
  bulk   --bulk-conns clients send for --bulk s, the backends discard;
         Gbit/s and zdp busy cycles per byte.
The loadgen's CPU is reported apart from zdp's (its own busy cycles and
getrusage). zdp's worker cycles come from /stats/prometheus
(zdp_worker_busy_cycles_total: loop iterations that found packets), and
/proc/<pid>/task/<tid>/schedstat says how much of core 1 it really had.

Every process is stopped by PID, the memif socket and EAL runtime
directories removed, on every exit path (also Ctrl-C / SIGTERM).
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))       # bench/, for benchlib
from benchlib import (Owned, RunGuard, delta, fmt, free_ports, heap_info, http_get,  # noqa: E402
                      hugepages_free, interrupt_on, kv, lcore_thread, log, proc_status,
                      require_exes, schedstat, scrape, wait_zdp_ready)
ZDP_MAC = "02:00:00:00:00:01"
LG_MAC = "02:00:00:00:00:02"
VIP, VPORT, BPORT = "198.18.255.1", 9000, 9000
CLIENT0, N_CLIENTS = "198.18.1.1", 32       # 32 x 64,512 source ports
BACKEND0, N_BACKENDS = "198.19.1.1", 64     # x 55,536 proxyPorts from 198.19.0.1
PROXY_PORTS = (10000, 65535)

TSC_HZ = [None]     # the loadgen tells it
# processes, memif sockets and EAL prefixes to remove
OWNED = Owned(stop_wait=20, cleanup_wait=20)


# --------------------------------------------------------------------------
# config

def ip_add(a, n):
    v = int.from_bytes(socket.inet_aton(a), "big") + n
    return socket.inet_ntoa(v.to_bytes(4, "big"))


def zdp_config(sock, http, tcp_conns, mbufs):
    wl = []
    for i in range(N_BACKENDS):
        wl.append("  - { uid: bench//Pod/echo-%d, name: echo-%d, namespace: bench, "
                  "workloadIps: [%s],\n      services: { bench/echo.bench.svc.cluster.local: "
                  "{ %d: %d } } }" % (i, i, ip_add(BACKEND0, i), BPORT, BPORT))
    return """# bench/tcp/proxy_scale.py: zdp's tcp-proxy at scale against tcp_loadgen.
workloads:
%s
services:
  - name: echo
    namespace: bench
    hostname: echo.bench.svc.cluster.local
    ports: { %d: %d }
gateway:
  workers: 1
  pools: { mbufsPerPort: %d, mbufCache: 256, flowsPerCore: 1024, neighEntries: 1024,
           tcpConnectionsPerCore: %d }
  natPorts: 1024-%d
  proxyPorts: %d-%d
  admin: 127.0.0.1:%d
  metrics: 127.0.0.1:%d
  readiness: 127.0.0.1:%d
  ports:
    - name: p0
      device: net_memif0,role=client,socket=%s,mac=%s
      addresses: [198.18.0.1/17, 198.19.0.1/17]
  trafficRoutes:
    - name: proxy-scale
      vip: %s
      port: %d
      protocol: TCP
      mode: tcp-proxy
      idleTimeout: 1h
      backends:
        - { service: bench/echo.bench.svc.cluster.local, weight: 1 }
""" % ("\n".join(wl), BPORT, BPORT, mbufs, tcp_conns, PROXY_PORTS[0] - 1,
       PROXY_PORTS[0], PROXY_PORTS[1], http[0], http[1], http[2], sock, ZDP_MAC, VIP, VPORT)


# --------------------------------------------------------------------------
# processes

def eal_mem(args, mb):
    """EAL memory options: hugepages when asked and enough are free, else
    --no-huge (the memif regions are memfd either way)."""
    if args.huge and hugepages_free() * 2 >= mb + 64:
        return ["-m", str(mb), "--huge-unlink"]
    return ["--no-huge", "-m", str(mb)]


class Session:
    """tcp_loadgen + zdp, both running, link up, zdp ready."""

    def __init__(self, args, logdir, tag, tcp_conns, max_clients):
        self.args, self.tag = args, tag
        pid = os.getpid()
        self.sock = os.path.join(logdir, "memif-%s.sock" % tag)
        OWNED.socket(self.sock)
        self.http = free_ports(3)
        self.cfg = os.path.join(logdir, "zdp-%s.yaml" % tag)
        with open(self.cfg, "w") as f:
            f.write(zdp_config(self.sock, self.http, tcp_conns, args.zdp_mbufs))
        self.lg_prefix = "zdps-lg-%s-%d" % (tag, pid)
        self.z_prefix = "zdps-z-%s-%d" % (tag, pid)
        OWNED.prefix(self.lg_prefix)
        OWNED.prefix(self.z_prefix)
        lg_conns = 2 * max_clients + 65536
        lg_mb = 768 + (lg_conns * 620 + max_clients * 16) // (1 << 20)
        exe = os.path.join(args.build, "bench", "tcp", "tcp_loadgen")
        self.lg = OWNED.start(["taskset", "-c", "0", exe, "-l", "0", "--no-pci",
                               "--file-prefix", self.lg_prefix] + eal_mem(args, lg_mb) +
                              ["--vdev", "net_memif0,role=server,socket=%s,mac=%s"
                               % (self.sock, LG_MAC),
                               "--", "--dst-mac", ZDP_MAC, "--vip", VIP, "--vport", str(VPORT),
                               "--clients", CLIENT0, "--n-clients", str(N_CLIENTS),
                               "--backends", BACKEND0, "--n-backends", str(N_BACKENDS),
                               "--bport", str(BPORT), "--max-clients", str(max_clients),
                               "--max-conns", str(lg_conns), "--spread-clients"],
                              os.path.join(logdir, "loadgen-%s.log" % tag),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.lg.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError("tcp_loadgen did not start (see loadgen-%s.log)" % tag)
        self.lg_ready = kv(line)
        self.hz = TSC_HZ[0] = int(self.lg_ready["tsc_hz"])
        z_mb = 1024 + (tcp_conns * 700) // (1 << 20)
        t0 = time.time()
        self.z = OWNED.start([os.path.join(args.build, "mgmt", "zdp"), "--lcores", "0@0,1@1",
                              "--no-pci", "--file-prefix", self.z_prefix] + eal_mem(args, z_mb) +
                             ["--", "--config", self.cfg],
                             os.path.join(logdir, "zdp-%s.log" % tag))
        wait_zdp_ready(self.z, self.http[2], self.http[1], 600, "zdp-%s.log" % tag,
                       worker_started=True)
        self.start_secs = time.time() - t0
        self.z_tid = lcore_thread(self.z.pid)

    def cmd(self, c, expect_start=False, on_start=None, timeout=3600):
        self.lg.stdin.write(c + "\n")
        self.lg.stdin.flush()
        while True:
            line = self.lg.stdout.readline()
            if not line:
                raise RuntimeError("tcp_loadgen exited during '%s' (see loadgen-%s.log)"
                                   % (c, self.tag))
            if line.startswith("start"):
                if on_start:
                    on_start()
                continue
            if line.startswith("error"):
                raise RuntimeError("tcp_loadgen: %s" % line.strip())
            return kv(line)

    def scrape(self):
        return scrape(self.http[1])

    def tcp_in_use(self):
        _, body = http_get(self.http[0], "/tcp/connections?limit=0", timeout=30)
        j = json.loads(body)
        return j

    def mem(self):
        return {"zdp": proc_status(self.z.pid), "zdp_heap": heap_info(self.z_prefix),
                "loadgen": proc_status(self.lg.pid)}

    def close(self):
        try:
            self.lg.stdin.write("quit\n")
            self.lg.stdin.flush()
        except OSError:
            pass
        OWNED.stop(self.z)
        try:
            self.lg.wait(timeout=30)
        except subprocess.TimeoutExpired:
            OWNED.stop(self.lg)


def in_use_of(j):
    """inUse from /tcp/connections (top level or summed over workers)."""
    if isinstance(j, dict):
        if "inUse" in j:
            return int(j["inUse"])
        tot = 0
        for w in j.get("workers", []):
            tot += int(w.get("inUse", 0))
        return tot
    return None


# --------------------------------------------------------------------------
# modes

class Window:
    """zdp counters and worker schedstat between two points."""

    def __init__(self, s):
        self.s = s
        self.m0 = self.m1 = None

    def begin(self):
        self.t0 = time.time()
        self.m0 = self.s.scrape()
        self.ss0 = schedstat(self.s.z.pid, self.s.z_tid)

    def end(self):
        self.t1 = time.time()
        self.m1 = self.s.scrape()
        self.ss1 = schedstat(self.s.z.pid, self.s.z_tid)

    def zdp(self):
        wall = self.t1 - self.t0
        busy = delta(self.m0, self.m1, "zdp_worker_busy_cycles_total")
        idle = delta(self.m0, self.m1, "zdp_worker_idle_cycles_total")
        r = {"zdp_busy_cycles": busy, "zdp_idle_cycles": idle, "wall_s": wall,
             "zdp_busy_frac": busy / max(1.0, busy + idle),
             "zdp_rx_pkts": delta(self.m0, self.m1, "zdp_queue_rx_packets_total")}
        if self.ss0 and self.ss1:
            r["zdp_worker_oncpu"] = (self.ss1[0] - self.ss0[0]) / 1e9 / max(1e-9, wall)
        for ev in ("accepted", "connected", "refused", "closed", "reset", "failed"):
            r["proxy_" + ev] = delta(self.m0, self.m1,
                                     'zdp_proxy_connections_total{event="%s"}' % ev)
        for c in ("retransmits", "rto_fires", "tail_loss_probes", "syncookies_sent",
                  "duplicate_segments", "drop_conn_pool_empty"):
            r["zdp_tcp_" + c] = delta(self.m0, self.m1, 'zdp_tcp_stack_total{counter="tcp_%s"}' % c)
        r["zdp_drops"] = {k[len("zdp_drops_total"):]: delta(self.m0, self.m1, k)
                          for k in self.m1 if k.startswith("zdp_drops_total{")
                          and delta(self.m0, self.m1, k)}
        return r


def corrected(r, per):
    """Busy cycles per unit without co-tenants' time slices (see
    bench/fastpath/run.py corrected_busy): the worker's TSC-timed busy
    iterations also hold the time the scheduler gave someone else on its
    core, in proportion; true busy = measured x on-CPU share (schedstat).
    The loadgen's share is its getrusage CPU time over wall time."""
    per = max(1.0, per)
    r["zdp_busy_per"] = r["zdp_busy_cycles"] / per
    share = r.get("zdp_worker_oncpu")
    r["zdp_busy_per_corrected"] = (r["zdp_busy_per"] * min(1.0, share)
                                   if share is not None else None)
    r["lg_busy_per"] = r["lg_busy_cycles"] / per
    lshare = r["lg_cpu_s"] / max(1e-9, r["lg_secs"])
    r["lg_oncpu"] = lshare
    r["lg_busy_per_corrected"] = r["lg_busy_per"] * min(1.0, lshare)
    return r


def lg_cpu(r):
    return {"lg_busy_cycles": float(r.get("lg_busy_cycles", 0)),
            "lg_cpu_s": float(r.get("lg_cpu_s", 0)), "lg_secs": float(r.get("secs", 0))}


def run_baseline(args, logdir):
    s = Session(args, logdir, "base", 64, 1024)
    try:
        time.sleep(1)
        return {"mem": s.mem(), "start_secs": s.start_secs}
    finally:
        s.close()


def run_conns(args, logdir, base):
    n = args.conns
    tcp_conns = args.tcp_conns or int(n * 2.2) + 65536
    s = Session(args, logdir, "conns", tcp_conns, n)
    try:
        res = {"mode": "conns", "conns": n, "tcp_conns_per_core": tcp_conns,
               "zdp_start_secs": s.start_secs,
               "conn_state_bytes": int(s.lg_ready.get("conn_state_bytes", 0))}
        res["mem_ready"] = s.mem()
        w = Window(s)
        w.begin()
        log("conns: opening %d through the proxy (window %d, rate %s) ..."
            % (n, args.window, args.rate or "max"))
        r = s.cmd("conns %d %g %d" % (n, args.rate, args.window))
        w.end()
        res["open"] = dict(r, **w.zdp())
        res["open"].update(lg_cpu(r))
        corrected(res["open"], float(r.get("verified", 0)))
        log("  %s" % json.dumps(r))
        t = time.time()
        j = s.tcp_in_use()
        res["tcp_connections_query_s"] = time.time() - t
        res["zdp_tcp_in_use"] = in_use_of(j)
        time.sleep(args.hold)
        res["mem_held"] = s.mem()
        res["loadgen_stats"] = s.cmd("stats")
        j = s.tcp_in_use()
        res["zdp_tcp_in_use_after_hold"] = in_use_of(j)
        log("  zdp inUse %s, after %g s hold %s" % (res["zdp_tcp_in_use"], args.hold,
                                                    res["zdp_tcp_in_use_after_hold"]))
        if not args.no_ping:
            w = Window(s)
            w.begin()
            r = s.cmd("ping %d" % args.window)
            w.end()
            res["ping"] = dict(r, **w.zdp())
            res["ping"].update(lg_cpu(r))
            corrected(res["ping"], float(r.get("verified", 0)))
            log("  ping %s" % json.dumps(r))
        res["zdp_tcp_in_use_end"] = in_use_of(s.tcp_in_use())
        # Memory per connection held in zdp (2 per relay): RSS and heap over a
        # zdp started the same way with a 64-connection pool.
        inz = 2 * int(r.get("verified", 0)) if args.no_ping else 2 * int(res["ping"]["held"])
        held = res["mem_held"]
        res["zdp_conns_held"] = inz
        if base and inz:
            b = base["mem"]
            res["zdp_rss_per_conn_B"] = (held["zdp"]["VmRSS"] - b["zdp"]["VmRSS"]) * 1024.0 / inz
            if held.get("zdp_heap") and b.get("zdp_heap"):
                res["zdp_heap_per_conn_B"] = ((held["zdp_heap"]["Alloc_size"] -
                                               b["zdp_heap"]["Alloc_size"]) / inz)
        if inz:
            res["zdp_rss_growth_while_open_per_conn_B"] = (
                (held["zdp"]["VmRSS"] - res["mem_ready"]["zdp"]["VmRSS"]) * 1024.0 / inz)
        return res
    finally:
        s.close()


def run_timed(s, mode, what, cmd, unit):
    """One timed loadgen command @cmd on session @s, which it closes; zdp's
    window opens when the loadgen says "start". Costs are per @unit (the
    loadgen's count of connections or bytes)."""
    try:
        w = Window(s)
        log("%s: %s ..." % (mode, what))
        r = s.cmd(cmd, on_start=w.begin)
        w.end()
        res = dict(r, mode=mode, **w.zdp())
        res.update(lg_cpu(r))
        corrected(res, float(r.get(unit, 0)))
        log("  %s" % json.dumps(r))
        return res
    finally:
        s.close()


def run_cps(args, logdir):
    tcp_conns = args.tcp_conns or 2 * 1024 * 1024
    s = Session(args, logdir, "cps", tcp_conns, max(args.window, 1024))
    return run_timed(s, "cps", "%g s, window %d" % (args.cps, args.window),
                     "cps %g %d" % (args.cps, args.window), "done")


def run_bulk(args, logdir):
    s = Session(args, logdir, "bulk", 65536, 1024)
    return run_timed(s, "bulk", "%g s, %d connections" % (args.bulk, args.bulk_conns),
                     "bulk %g %d" % (args.bulk, args.bulk_conns), "bytes")


# --------------------------------------------------------------------------
# report

def print_table(results):
    hz = results.get("tsc_hz") or 0
    print()
    print("zdp tcp-proxy at scale (tcp_loadgen <-memif-> zdp; zdp worker core 1, loadgen core 0)")
    print("busy cyc: TSC cycles of loop iterations that did work, raw / corrected for the "
          "thread's on-CPU share")
    for r in results["modes"]:
        if r["mode"] == "conns":
            print()
            print("| step | client conns (in zdp's stack) | verified by echo | failed | wall s "
                  "| zdp busy cyc/conn | zdp on CPU | loadgen busy cyc/conn | loadgen on CPU "
                  "| zdp retransmits (TLP) |")
            print("|---|---|---|---|---|---|---|---|---|---|")
            for step in ("open", "ping"):
                o = r.get(step)
                if not o:
                    continue
                print("| %s | %s (%s) | %s | %s | %s | %s / %s | %s | %s / %s | %s | %s (%s) |" % (
                    step, o.get("opened", o.get("held")), r.get("zdp_tcp_in_use"),
                    o.get("verified"), o.get("failed"), fmt(float(o.get("secs", 0)), ".1f"),
                    fmt(o["zdp_busy_per"], ".0f"), fmt(o["zdp_busy_per_corrected"], ".0f"),
                    fmt(o.get("zdp_worker_oncpu"), ".0%"), fmt(o["lg_busy_per"], ".0f"),
                    fmt(o["lg_busy_per_corrected"], ".0f"), fmt(o["lg_oncpu"], ".0%"),
                    fmt(o.get("zdp_tcp_retransmits"), ".0f"),
                    fmt(o.get("zdp_tcp_tail_loss_probes"), ".0f")))
            print()
            print("| zdp inUse after open / after hold / at end | zdp RSS B/conn | zdp DPDK heap "
                  "B/conn | zdp RSS growth while opening B/conn | zdp RSS held (MiB) "
                  "| loadgen RSS held (MiB) |")
            print("|---|---|---|---|---|---|")
            mh = r.get("mem_held", {})
            print("| %s / %s / %s | %s | %s | %s | %s | %s |" % (
                r.get("zdp_tcp_in_use"), r.get("zdp_tcp_in_use_after_hold"),
                r.get("zdp_tcp_in_use_end"), fmt(r.get("zdp_rss_per_conn_B"), ".0f"),
                fmt(r.get("zdp_heap_per_conn_B"), ".0f"),
                fmt(r.get("zdp_rss_growth_while_open_per_conn_B"), ".0f"),
                fmt(mh.get("zdp", {}).get("VmRSS", 0) / 1024.0, ".0f"),
                fmt(mh.get("loadgen", {}).get("VmRSS", 0) / 1024.0, ".0f")))
        elif r["mode"] == "cps":
            print()
            print("| conn/s (open, 32 B echo, close) | connections | failed | zdp busy cyc/conn "
                  "| zdp on CPU | loadgen busy cyc/conn | loadgen on CPU | zdp retransmits (TLP) |")
            print("|---|---|---|---|---|---|---|---|")
            print("| %s | %s | %s | %s / %s | %s | %s / %s | %s | %s (%s) |" % (
                fmt(float(r.get("cps", 0)), ".0f"), r.get("done"), r.get("failed"),
                fmt(r["zdp_busy_per"], ".0f"), fmt(r["zdp_busy_per_corrected"], ".0f"),
                fmt(r.get("zdp_worker_oncpu"), ".0%"), fmt(r["lg_busy_per"], ".0f"),
                fmt(r["lg_busy_per_corrected"], ".0f"), fmt(r["lg_oncpu"], ".0%"),
                fmt(r.get("zdp_tcp_retransmits"), ".0f"),
                fmt(r.get("zdp_tcp_tail_loss_probes"), ".0f")))
        elif r["mode"] == "bulk":
            print()
            print("| Gbit/s (client -> backend through the proxy) | conns | zdp busy cyc/byte "
                  "| zdp on CPU | zdp busy frac | loadgen busy cyc/byte | loadgen on CPU "
                  "| zdp retransmits |")
            print("|---|---|---|---|---|---|---|---|")
            print("| %s | %s | %s / %s | %s | %s | %s / %s | %s | %s |" % (
                fmt(float(r.get("gbps", 0)), ".2f"), r.get("conns"),
                fmt(r["zdp_busy_per"], ".2f"), fmt(r["zdp_busy_per_corrected"], ".2f"),
                fmt(r.get("zdp_worker_oncpu"), ".0%"), fmt(r.get("zdp_busy_frac"), ".0%"),
                fmt(r["lg_busy_per"], ".2f"), fmt(r["lg_busy_per_corrected"], ".2f"),
                fmt(r["lg_oncpu"], ".0%"), fmt(r.get("zdp_tcp_retransmits"), ".0f")))
    if hz:
        print("\nTSC %.3f GHz" % (hz / 1e9))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--modes", default="conns,cps,bulk")
    ap.add_argument("--conns", type=int, default=1000000, help="concurrent client connections")
    ap.add_argument("--rate", type=float, default=0, help="conns mode: opens per second (0: "
                    "as fast as --window allows)")
    ap.add_argument("--window", type=int, default=1024,
                    help="connections opened but not yet verified, at most")
    ap.add_argument("--hold", type=float, default=5.0, help="conns mode: hold time before ping")
    ap.add_argument("--no-ping", action="store_true")
    ap.add_argument("--tcp-conns", type=int, default=0,
                    help="zdp pools.tcpConnectionsPerCore (default 2.2 x --conns + 65536)")
    ap.add_argument("--zdp-mbufs", type=int, default=65535)
    ap.add_argument("--cps", type=float, default=10.0, help="cps mode seconds")
    ap.add_argument("--bulk", type=float, default=10.0, help="bulk mode seconds")
    ap.add_argument("--bulk-conns", type=int, default=4)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--huge", action="store_true",
                    help="use hugepages when enough are free (default --no-huge)")
    ap.add_argument("--logs", help="keep logs and configs here (default: temp dir, removed)")
    ap.add_argument("--json", help="write raw results to this file")
    ap.add_argument("--table", metavar="JSON", help="print the tables of a --json file")
    args = ap.parse_args()
    if args.table:
        with open(args.table) as f:
            print_table(json.load(f))
        return 0
    args.build = os.path.abspath(args.build)
    if not require_exes(args.build, os.path.join("mgmt", "zdp"),
                        os.path.join("bench", "tcp", "tcp_loadgen")):
        return 2
    os.sched_setaffinity(0, {0})
    logdir = args.logs or tempfile.mkdtemp(prefix="zdp-pscale-")
    os.makedirs(logdir, exist_ok=True)

    interrupt_on(signal.SIGTERM)
    results = {"modes": [], "args": vars(args), "date": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                     time.gmtime())}
    with RunGuard(logdir, args.logs, OWNED.cleanup,
                  errors=(RuntimeError, OSError, ValueError)) as guard:
        modes = args.modes.split(",")
        base = None
        if "conns" in modes and not args.no_baseline:
            log("baseline zdp (64-connection pool) ...")
            base = run_baseline(args, logdir)
            results["baseline"] = base
            OWNED.cleanup()
        for m in modes:
            if m == "conns":
                results["modes"].append(run_conns(args, logdir, base))
            elif m == "cps":
                results["modes"].append(run_cps(args, logdir))
            elif m == "bulk":
                results["modes"].append(run_bulk(args, logdir))
            else:
                raise RuntimeError("unknown mode %s" % m)
            OWNED.cleanup()
    results["tsc_hz"] = TSC_HZ[0]
    print_table(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return guard.rc


if __name__ == "__main__":
    sys.exit(main())
