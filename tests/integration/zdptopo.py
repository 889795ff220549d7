# SPDX-License-Identifier: BSD-3-Clause
"""A zdp gateway between two network namespaces, for black-box tests.

    ns <cli>                                  ns <be>
    198.18.0.2/24  2001:2::2/64               198.18.1.10,11/24  2001:2:0:1::10,11/64
        |  (tap zc*)                               |  (tap zb*)
        +------ p0 198.18.0.1 ---[ zdp ]--- p1 198.18.1.1 ------+

zdp runs in the root namespace and owns both TAP devices through DPDK's
net_tap; once they exist, their kernel ends move into the namespaces where
real Linux programs (python sockets, curl, scapy) talk through zdp.

Everything is torn down by `close()`: processes by PID, namespaces by name
(unique per test run), also when a test fails.
"""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("ZDP_BUILD_DIR", os.path.join(ROOT, "build"))
ZDP = os.path.join(BUILD, "mgmt", "zdp")
PEER = os.path.join(HERE, "peer.py")
PY = "/usr/bin/python3"

VIP4 = "198.18.10.1"
VIP6 = "2001:2:0:10::1"
PVIP4, PVIP6 = "198.18.10.5", "2001:2:0:10::5"     # tcp-proxy VIPs
CLOSE_FIRST_BYTES = 2 << 20     # what the closer backend sends before its FIN
UDP_VIP = "198.18.10.2"
V1_4, V2_4 = "198.18.1.10", "198.18.1.11"
V1_6, V2_6 = "2001:2:0:1::10", "2001:2:0:1::11"


def sh(*cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode,
                                               (r.stderr or r.stdout).strip()))
    return r


def sh_retry(*cmd, tries=10):
    """Interface set-up right after a TAP moved namespace can race with the
    kernel (and with DPDK's own ioctls on it): retry briefly."""
    for i in range(tries):
        try:
            return sh(*cmd)
        except RuntimeError:
            if i == tries - 1:
                raise
            time.sleep(0.2)


# Names and ports from the OS's entropy: a test module that seeds the
# global generator (scapy's fuzzers do) must not make two gateways alike.
_RNG = random.SystemRandom()


def free_port_base(n):
    """A multiple of 10 below the ephemeral range (32768-60999, where a
    client socket may hold one) whose @n ports nothing listens on now."""
    for _ in range(200):
        base = _RNG.randrange(20000, 32700, 10)
        socks = []
        try:
            for p in range(base, base + n):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(s)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free ports for zdp's HTTP listeners")


def demo_config(tap_c, tap_b, http_base, weights=(90, 10), extra_policies="",
                flows=65536, mbufs=8191, udp_timeout="30s", workers=1,
                nat_ports="1024-65535", mtu_b=1500, proxy_idle="1h", tcp_conns=65536,
                proxy_ports="40000-65535"):
    """The demo topology's config with test-specific names and ports."""
    w1, w2 = weights
    return f"""
workloads:
  - uid: cluster1//v1/Pod/default/reviews-v1
    name: reviews-v1
    namespace: default
    serviceAccount: bookinfo-reviews
    workloadIps: [{V1_4}, "{V1_6}"]
    protocol: TCP
    services:
      default/reviews.default.svc.cluster.local: {{ 9080: 9080, 9090: 9090 }}
      default/reviews-v1.default.svc.cluster.local: {{ 9080: 9080 }}
      default/echo-udp.default.svc.cluster.local: {{ 5353: 5353 }}
      default/resetter.default.svc.cluster.local: {{ 9091: 9091 }}
      default/echo.default.svc.cluster.local: {{ 9100: 9100 }}
      default/closer.default.svc.cluster.local: {{ 9092: 9092 }}
  - uid: cluster1//v1/Pod/default/reviews-v2
    name: reviews-v2
    namespace: default
    serviceAccount: bookinfo-reviews
    workloadIps: [{V2_4}, "{V2_6}"]
    protocol: TCP
    services:
      default/reviews.default.svc.cluster.local: {{ 9080: 9080, 9090: 9090 }}
      default/reviews-v2.default.svc.cluster.local: {{ 9080: 9080 }}
      default/echo.default.svc.cluster.local: {{ 9100: 9100 }}
  - uid: cluster1//v1/Pod/default/ratings-mtls
    name: ratings
    namespace: default
    workloadIps: [198.18.1.12]
    protocol: HBONE
    services:
      default/ratings.default.svc.cluster.local: {{ 9080: 9080 }}
services:
  - name: reviews
    namespace: default
    hostname: reviews.default.svc.cluster.local
    vips: [/{VIP4}, "/{VIP6}"]
    ports: {{ 9080: 9080, 9090: 9090 }}
  - name: reviews-v1
    namespace: default
    hostname: reviews-v1.default.svc.cluster.local
    ports: {{ 9080: 9080 }}
  - name: reviews-v2
    namespace: default
    hostname: reviews-v2.default.svc.cluster.local
    ports: {{ 9080: 9080 }}
  - name: echo-udp
    namespace: default
    hostname: echo-udp.default.svc.cluster.local
    vips: [/{UDP_VIP}]
    ports: {{ 5353: 5353 }}
  - name: resetter
    namespace: default
    hostname: resetter.default.svc.cluster.local
    ports: {{ 9091: 9091 }}
  - name: echo
    namespace: default
    hostname: echo.default.svc.cluster.local
    ports: {{ 9100: 9100 }}
  - name: closer
    namespace: default
    hostname: closer.default.svc.cluster.local
    ports: {{ 9092: 9092 }}
  - name: ratings
    namespace: default
    hostname: ratings.default.svc.cluster.local
    vips: [/198.18.10.3]
    ports: {{ 9080: 9080 }}
policies:
  - name: deny-9090
    namespace: default
    scope: Namespace
    action: Deny
    rules:
      - - - destinationPorts: [9090]
{extra_policies}
gateway:
  workers: {workers}
  pools: {{ mbufsPerPort: {mbufs}, mbufCache: 128, flowsPerCore: {flows}, neighEntries: 1024,
           tcpConnectionsPerCore: {tcp_conns} }}
  timeouts: {{ tcpSyn: 10s, tcpEstablished: 1h, tcpClosing: 5s, udp: {udp_timeout} }}
  natPorts: {nat_ports}
  proxyPorts: {proxy_ports}
  # net_tap fills checksums but does not segment: the worker cuts the
  # stack's TSO packets, so the Linux peers check that path too
  tcpSegmentation: software
  # Several gateways of a test module share one worker core: idle ones pause
  # (10 us, doubling up to 1 ms while idle).
  idleSleepMicros: 1000
  admin: 127.0.0.1:{http_base}
  metrics: 127.0.0.1:{http_base + 1}
  readiness: 127.0.0.1:{http_base + 2}
  ports:
    - name: p0
      device: net_tap0,iface={tap_c}
      addresses: [198.18.0.1/24, "2001:2::1/64"]
    - name: p1
      device: net_tap1,iface={tap_b}
      mtu: {mtu_b}
      addresses: [198.18.1.1/24, "2001:2:0:1::1/64"]
  trafficRoutes:
    - name: reviews-canary
      vip: {VIP4}
      port: 9080
      protocol: TCP
      backends:
        - {{ service: default/reviews-v1.default.svc.cluster.local, weight: {w1} }}
        - {{ service: default/reviews-v2.default.svc.cluster.local, weight: {w2} }}
    - name: reviews-proxy
      vip: 198.18.10.5
      port: 9080
      protocol: TCP
      mode: tcp-proxy
      idleTimeout: {proxy_idle}
      backends:
        - {{ service: default/reviews-v1.default.svc.cluster.local, weight: {w1} }}
        - {{ service: default/reviews-v2.default.svc.cluster.local, weight: {w2} }}
    - name: resetter-proxy
      vip: 198.18.10.5
      port: 9091
      protocol: TCP
      mode: tcp-proxy
      backends:
        - {{ service: default/resetter.default.svc.cluster.local, weight: 1 }}
    - name: reviews-proxy-deny
      vip: 198.18.10.5
      port: 9090
      protocol: TCP
      mode: tcp-proxy
      backends:
        - {{ service: default/reviews.default.svc.cluster.local, weight: 1 }}
    - name: echo-proxy
      vip: 198.18.10.5
      port: 9100
      protocol: TCP
      mode: tcp-proxy
      backends:
        - {{ service: default/echo.default.svc.cluster.local, weight: 1 }}
    - name: closer-proxy
      vip: 198.18.10.5
      port: 9092
      protocol: TCP
      mode: tcp-proxy
      backends:
        - {{ service: default/closer.default.svc.cluster.local, weight: 1 }}
    - name: reviews-proxy-v6
      vip: "{PVIP6}"
      port: 9080
      protocol: TCP
      mode: tcp-proxy
      backends:
        - {{ service: default/reviews-v1.default.svc.cluster.local, weight: {w1} }}
        - {{ service: default/reviews-v2.default.svc.cluster.local, weight: {w2} }}
    - name: reviews-canary-v6
      vip: "{VIP6}"
      port: 9080
      protocol: TCP
      backends:
        - {{ service: default/reviews-v1.default.svc.cluster.local, weight: {w1} }}
        - {{ service: default/reviews-v2.default.svc.cluster.local, weight: {w2} }}
"""


class Gateway:
    """zdp + client and backend namespaces. Use as a context manager."""

    def __init__(self, workdir, weights=(90, 10), zdp_args=(), extra_policies="",
                 udp_timeout="30s", config=None, taps=None, http=None, workers=1,
                 nat_ports="1024-65535", mtu_b=1500, proxy_idle="1h", mbufs=8191,
                 tcp_conns=65536, proxy_ports="40000-65535"):
        """config/taps/http: run a given config file (the demo) instead of
        generating one; taps = (client iface, backend iface) it names and
        http = (admin, metrics, readiness) ports it listens on."""
        tag = "%x" % _RNG.getrandbits(24)
        self.tag = tag
        self.ns_cli = "zdpc-" + tag
        self.ns_be = "zdpb-" + tag
        self.tap_c, self.tap_b = taps or ("zc" + tag, "zb" + tag)
        base = free_port_base(3)
        self.http_ports = http or (base, base + 1, base + 2)
        self.http = base
        self.workdir = str(workdir)
        self.fixed_config = config
        self.config = config or os.path.join(self.workdir, "zdp.yaml")
        self.log = os.path.join(self.workdir, "zdp.log")
        self.weights = weights
        self.zdp_args = list(zdp_args)
        self.extra_policies = extra_policies
        self.udp_timeout = udp_timeout
        self.workers = workers
        self.nat_ports = nat_ports
        self.mtu_b = mtu_b
        self.proxy_idle = proxy_idle
        self.mbufs = mbufs
        self.tcp_conns = tcp_conns
        self.proxy_ports = proxy_ports
        self.closer_out = os.path.join(self.workdir, "closer.jsonl")
        self.procs = []
        self.zdp = None
        self.namespaces = []

    # -- set-up ---------------------------------------------------------
    def write_config(self, weights=None, extra_policies=None):
        if self.fixed_config:
            return
        with open(self.config + ".tmp", "w") as f:
            f.write(demo_config(self.tap_c, self.tap_b, self.http,
                                weights or self.weights,
                                self.extra_policies if extra_policies is None else extra_policies,
                                udp_timeout=self.udp_timeout, workers=self.workers,
                                nat_ports=self.nat_ports, mtu_b=self.mtu_b,
                                proxy_idle=self.proxy_idle, mbufs=self.mbufs,
                                tcp_conns=self.tcp_conns, proxy_ports=self.proxy_ports))
        os.replace(self.config + ".tmp", self.config)

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
        self.write_config()
        # This machine has 2 cores: worker lcores beyond the first share
        # core 1 (correctness tests only; never for throughput).
        lcores = "0@0," + ",".join("%d@1" % (i + 1) for i in range(self.workers))
        args = [ZDP, "--lcores", lcores, "--no-pci", "--file-prefix", "zdp" + self.tag,
                "--log-level", "user1:info"]
        if not os.path.exists("/dev/hugepages") or _free_hugepages() < 512:
            args += ["--no-huge", "-m", "512"]
        else:
            args += ["-m", "512"]
        args += ["--", "--config", self.config] + self.zdp_args
        self.logf = open(self.log, "w")
        self.zdp = subprocess.Popen(args, stdout=self.logf, stderr=subprocess.STDOUT)
        # Only once zdp set up its queues: net_tap opens each queue by
        # interface name, and a name already moved to another namespace gets
        # a new, unrelated TAP in this one (zdp then talks to nobody).
        self._wait(lambda: " running: " in self.log_text(tail=None) and
                   _iface_exists(self.tap_c) and _iface_exists(self.tap_b), 30,
                   "zdp did not start its ports")
        for ns in (self.ns_cli, self.ns_be):
            sh("ip", "netns", "add", ns)
            self.namespaces.append(ns)
        sh_retry("ip", "link", "set", self.tap_c, "netns", self.ns_cli)
        sh_retry("ip", "link", "set", self.tap_b, "netns", self.ns_be)
        c = lambda *a: sh_retry("ip", "netns", "exec", self.ns_cli, *a)
        b = lambda *a: sh_retry("ip", "netns", "exec", self.ns_be, *a)
        for run, dev in ((c, self.tap_c), (b, self.tap_b)):
            run("ip", "link", "set", "lo", "up")
            # The TAP's queue toward zdp is its "RX ring": as deep as a
            # NIC's, since an idle worker may be asleep (idleSleepMicros)
            # when a burst such as 10,000 SYNs starts.
            run("ip", "link", "set", dev, "txqueuelen", "4096", "up")
            run("sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0")
            run("sysctl", "-qw", f"net.ipv6.conf.{dev}.accept_dad=0")
        c("ip", "addr", "add", "198.18.0.2/24", "dev", self.tap_c)
        c("ip", "-6", "addr", "add", "2001:2::2/64", "dev", self.tap_c, "nodad")
        c("ip", "route", "add", "198.18.10.0/24", "via", "198.18.0.1")
        c("ip", "-6", "route", "add", "2001:2:0:10::/64", "via", "2001:2::1")
        for a in (V1_4, V2_4):
            b("ip", "addr", "add", a + "/24", "dev", self.tap_b)
        for a in (V1_6, V2_6):
            b("ip", "-6", "addr", "add", a + "/64", "dev", self.tap_b, "nodad")
        self._wait(self.ready, 30, "zdp never became ready")
        self.start_backends()

    def start_backends(self):
        for addr, ver in ((V1_4, "v1"), (V2_4, "v2"), (V1_6, "v1"), (V2_6, "v2")):
            for port in (9080, 9090):
                self.spawn(self.ns_be, PY, PEER, "serve-tcp", addr, str(port), ver)
        self.spawn(self.ns_be, PY, PEER, "serve-udp", V1_4, "5353", "v1")
        self.spawn(self.ns_be, PY, PEER, "serve-reset", V1_4, "9091")
        for addr in (V1_4, V2_4):
            self.spawn(self.ns_be, PY, PEER, "serve-echo", addr, "9100")
        self.spawn(self.ns_be, PY, PEER, "serve-close-first", V1_4, "9092",
                   str(CLOSE_FIRST_BYTES), self.closer_out)
        # Wait until the servers listen.
        def listening():
            out = self.ns(self.ns_be, "ss", "-ltn").stdout
            return out.count(":9080") >= 4 and out.count(":9100") >= 2 and ":9092" in out
        self._wait(listening, 15, "backends did not start")

    def ns(self, ns, *cmd, check=True, timeout=120):
        return sh("ip", "netns", "exec", ns, *cmd, check=check, timeout=timeout)

    def spawn(self, ns, *cmd):
        p = subprocess.Popen(["ip", "netns", "exec", ns, *cmd],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def client(self, *args, timeout=300):
        """Run peer.py in the client namespace; returns its JSON output."""
        r = self.ns(self.ns_cli, PY, PEER, *args, timeout=timeout)
        return json.loads(r.stdout)

    def _wait(self, cond, secs, what):
        end = time.time() + secs
        while time.time() < end:
            if self.zdp is not None and self.zdp.poll() is not None:
                raise RuntimeError("zdp exited (%s): %s" % (self.zdp.returncode, self.log_text()))
            try:
                if cond():
                    return
            except Exception:
                pass
            time.sleep(0.2)
        raise RuntimeError(what + ": " + self.log_text())

    # -- observation ------------------------------------------------------
    def get(self, port_off, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.http_ports[port_off], path),
                                    timeout=5) as r:
            return r.status, r.read().decode()

    def ready(self):
        try:
            return self.get(2, "/healthz/ready")[0] == 200
        except Exception:
            return False

    def metrics(self):
        """Prometheus text -> {'name{labels}': value}."""
        out = {}
        for line in self.get(1, "/stats/prometheus")[1].splitlines():
            if not line or line.startswith("#"):
                continue
            k, _, v = line.rpartition(" ")
            out[k] = float(v)
        return out

    def config_dump(self):
        return json.loads(self.get(0, "/config_dump")[1])

    def tcp_connections(self, query=""):
        return json.loads(self.get(0, "/tcp/connections" + query)[1])

    def drops(self, reason):
        return self.metrics().get('zdp_drops_total{reason="%s"}' % reason, 0)

    def reload(self, **kw):
        self.write_config(**kw)
        self.zdp.send_signal(signal.SIGHUP)

    def log_text(self, tail=4000):
        try:
            with open(self.log) as f:
                return f.read()[-tail:] if tail else f.read()
        except OSError:
            return ""

    def alive(self):
        return self.zdp is not None and self.zdp.poll() is None

    # -- tear-down --------------------------------------------------------
    def close(self):
        for p in self.procs:
            _kill(p)
        self.procs = []
        if self.zdp is not None:
            if self.zdp.poll() is None:
                self.zdp.send_signal(signal.SIGTERM)
                try:
                    self.rc = self.zdp.wait(15)
                except subprocess.TimeoutExpired:
                    _kill(self.zdp)
                    self.rc = None
            else:
                self.rc = self.zdp.returncode
            self.logf.close()
            # What a clean exit left behind (zdp removes its hugepage files
            # and runtime directory itself; test_process checks this).
            self.eal_leftovers = _eal_files("zdp" + self.tag)
            # The process is gone: whatever EAL left of it goes too.
            _remove_eal_files("zdp" + self.tag)
        for ns in self.namespaces:
            sh("ip", "netns", "del", ns, check=False)
        self.namespaces = []


def _kill(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _eal_files(prefix):
    """Paths EAL --file-prefix @prefix has on disk: its runtime directory
    and its hugepage files in /dev/hugepages."""
    out = []
    if os.path.exists("/var/run/dpdk/" + prefix):
        out.append("/var/run/dpdk/" + prefix)
    try:
        out += [os.path.join("/dev/hugepages", f) for f in os.listdir("/dev/hugepages")
                if f.startswith(prefix + "map_")]
    except OSError:
        pass
    return out


def _remove_eal_files(prefix):
    """Hugepage files and runtime directory of EAL --file-prefix @prefix,
    whose process has exited."""
    shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
    try:
        for f in os.listdir("/dev/hugepages"):
            if f.startswith(prefix + "map_"):
                os.unlink(os.path.join("/dev/hugepages", f))
    except OSError:
        pass


def _iface_exists(name):
    return os.path.exists("/sys/class/net/" + name)


def _free_hugepages():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("HugePages_Free:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
