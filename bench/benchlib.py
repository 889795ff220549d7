# SPDX-License-Identifier: BSD-3-Clause
"""What the benchmark drivers share (stdlib only, run by /usr/bin/python3).

Used by bench/fastpath/run.py, bench/tcp/proxy_scale.py and
bench/tcp/proxy_bench.py, which run as scripts and put bench/ on sys.path
themselves. Nothing here keeps state between calls except a driver's own
Owned instance: what that driver started and must remove on every exit
path (processes, memif sockets, EAL runtime directories).

  processes   Owned (start / stop / cleanup), stop_pid, stop_group,
              free_ports, interrupt_on, RunGuard, require_exes
  zdp         http_get, scrape (Prometheus text of /stats/prometheus),
              delta, wait_zdp_ready, kv (tools' "word k=v ..." lines)
  /proc       lcore_thread, schedstat, thread_ns, thread_times,
              proc_status, cpu_busy, wait_quiet, hugepages_free, machine_info
  DPDK        telemetry, heap_info
  report      fmt, log
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def fmt(v, spec):
    """format(@v, @spec), or "-" for a figure a run did not produce."""
    return "-" if v is None else format(v, spec)


# --------------------------------------------------------------------------
# processes

def stop_pid(p, sig=signal.SIGTERM, wait=15):
    """Send @sig to @p alone, SIGKILL it after @wait s."""
    if p is None or p.poll() is not None:
        return
    try:
        p.send_signal(sig)
        p.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(timeout=5)
    except ProcessLookupError:
        pass


def stop_group(p, wait=15):
    """SIGTERM the process group started for @p (forked children included),
    SIGKILL it after @wait s; then SIGKILL whatever of the group is left."""
    if p is None:
        return
    for sig, t in ((signal.SIGTERM, wait), (signal.SIGKILL, 5)):
        if p.poll() is not None:
            break
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            break
        try:
            p.wait(timeout=t)
        except subprocess.TimeoutExpired:
            pass
    try:        # children of an exited leader (forked peers) share its group
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Owned:
    """What one driver started: processes (each in its own session, so its
    own process group), memif socket paths and EAL --file-prefix values.
    cleanup() removes them all; call it on every exit path.

    @group: stop() kills the process group (stop_group) and forgets the
    process, rather than signalling the process alone (stop_pid).
    @stop_wait, @cleanup_wait: seconds before SIGKILL in stop() and
    cleanup()."""

    def __init__(self, group=False, stop_wait=15, cleanup_wait=10):
        self.group = group
        self.stop_wait = stop_wait
        self.cleanup_wait = cleanup_wait
        self.procs = []
        self.sockets = []
        self.prefixes = []
        self.huge_dirs = ["/dev/hugepages"]

    def start(self, argv, logpath, stdin=subprocess.DEVNULL, stdout=None):
        """Popen @argv in a new session, stderr (and stdout unless given)
        to @logpath; the Popen gets .logfile."""
        lf = open(logpath, "w")
        p = subprocess.Popen(argv, stdin=stdin, stdout=stdout or lf, stderr=lf,
                             text=True, start_new_session=True)
        p.logfile = lf
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, wait=None):
        """Stop @p (see the class); @sig only without @group."""
        wait = self.stop_wait if wait is None else wait
        if not self.group:
            stop_pid(p, sig, wait)
            return
        if p is None:
            return
        stop_group(p, wait)
        if p in self.procs:
            self.procs.remove(p)
        p.logfile.close()

    def socket(self, path):
        """Remember @path (a memif socket) for removal; returns it."""
        self.sockets.append(path)
        return path

    def huge_dir(self, path):
        """Also remove the owned prefixes' hugepage files from @path (an
        EAL --huge-dir); returns it."""
        if path not in self.huge_dirs:
            self.huge_dirs.append(path)
        return path

    def prefix(self, pfx):
        """Remember EAL --file-prefix @pfx for removal; returns it."""
        if pfx not in self.prefixes:
            self.prefixes.append(pfx)
        return pfx

    def cleanup(self):
        for p in list(reversed(self.procs)):
            try:
                if p.stdin:
                    p.stdin.close()
            except OSError:
                pass
            self.stop(p, wait=self.cleanup_wait)
            try:
                p.logfile.close()
            except (AttributeError, OSError):
                pass
        self.procs.clear()
        for s in self.sockets:
            try:
                os.unlink(s)
            except OSError:
                pass
        # --huge-unlink already released the pages; a crashed process may
        # still leave its runtime directory (and, without that flag,
        # hugepage files, in /dev/hugepages or a --huge-dir).
        for pfx in self.prefixes:
            shutil.rmtree("/var/run/dpdk/" + pfx, ignore_errors=True)
            for d in self.huge_dirs:
                try:
                    for f in os.listdir(d):
                        if f.startswith(pfx + "map_"):
                            os.unlink(os.path.join(d, f))
                except OSError:
                    pass


def interrupt_on(*sigs):
    """Make each of @sigs raise KeyboardInterrupt, so the drivers' one
    interrupted path (and its cleanup) handles them like Ctrl-C."""
    def on_signal(signum, frame):
        raise KeyboardInterrupt
    for s in sigs:
        signal.signal(s, on_signal)


class RunGuard:
    """The drivers' measuring phase: `with RunGuard(...) as g:`, then g.rc.

    A KeyboardInterrupt (Ctrl-C, or a signal made one by interrupt_on) is
    "interrupted", rc 130; one of @errors is logged with @logdir, rc 1.
    Both end the phase without a traceback; other exceptions propagate.
    On every exit @cleanup() runs, then @logdir is removed unless
    @keep_logs, or an error was caught, or (with @keep_on_interrupt) an
    interrupt was."""

    def __init__(self, logdir, keep_logs, cleanup, errors=(RuntimeError, OSError),
                 keep_on_interrupt=False):
        self.logdir, self.keep_logs, self.cleanup = logdir, keep_logs, cleanup
        self.errors, self.keep_on_interrupt = errors, keep_on_interrupt
        self.rc = 0

    def __enter__(self):
        return self

    def __exit__(self, etype, e, tb):
        handled = False
        keep = self.keep_logs
        if etype is not None and issubclass(etype, KeyboardInterrupt):
            log("interrupted")
            self.rc, handled = 130, True
            keep = keep or self.keep_on_interrupt
        elif etype is not None and issubclass(etype, self.errors):
            log("error: %s (logs in %s)" % (e, self.logdir))
            self.rc, handled, keep = 1, True, True
        self.cleanup()
        if not keep:
            shutil.rmtree(self.logdir, ignore_errors=True)
        return handled


def require_exes(build, *exes):
    """True when every @exes (relative to @build) is executable; otherwise
    says which is missing and returns False."""
    for rel in exes:
        exe = os.path.join(build, rel)
        if not os.access(exe, os.X_OK):
            log("missing %s: build first (ninja -C %s)" % (exe, build))
            return False
    return True


def free_ports(n):
    """@n free TCP ports on 127.0.0.1 (free when asked: others may race)."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


# --------------------------------------------------------------------------
# zdp's HTTP endpoints and the tools' output lines

def http_get(port, path, timeout=5.0):
    """(status, body) of GET http://127.0.0.1:@port@path; raises OSError."""
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=timeout) as r:
        return r.status, r.read().decode()


METRIC_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$')


def scrape(port, timeout=5.0):
    """zdp's /stats/prometheus -> {name: sum over labels, name{labels}: value}."""
    _, body = http_get(port, "/stats/prometheus", timeout=timeout)
    m = {}
    for line in body.splitlines():
        r = METRIC_RE.match(line)
        if not r:
            continue
        name, labels, v = r.group(1), r.group(2) or "", float(r.group(3))
        m[name] = m.get(name, 0.0) + v
        if labels:
            m[name + labels] = v
    return m


def delta(a, b, name):
    """Growth of metric @name from scrape @a to scrape @b (0 if absent)."""
    return b.get(name, 0.0) - a.get(name, 0.0)


def wait_zdp_ready(p, ready_port, metrics_port, timeout, logname, worker_started=False):
    """Wait until zdp (@p) is ready and its port link is up; with
    @worker_started also until the worker has looped once (past its init,
    which touches the TCP pools: seconds for millions). Raises RuntimeError
    naming @logname when zdp exits or @timeout s pass."""
    t_end = time.time() + timeout
    while True:
        if p.poll() is not None:
            raise RuntimeError("zdp exited rc=%s (see %s)" % (p.returncode, logname))
        try:
            st, _ = http_get(ready_port, "/healthz/ready", timeout=1)
            if st == 200:
                m = scrape(metrics_port)
                if (m.get("zdp_port_link_up", 0) >= 1 and
                        (not worker_started or m.get("zdp_worker_loops_total", 0) > 0)):
                    return
        except OSError:
            pass
        if time.time() > t_end:
            raise RuntimeError("zdp not ready after %g s (see %s)" % (timeout, logname))
        time.sleep(0.2)


def kv(line):
    """The k=v words after the first word of @line, as a dict of strings."""
    return dict(x.split("=", 1) for x in line.split()[1:] if "=" in x)


# --------------------------------------------------------------------------
# threads, processes and CPUs from /proc

def lcore_thread(pid, timeout=10.0, required=False):
    """TID of the DPDK worker lcore thread of @pid (EAL names it
    *-worker-N), waiting up to @timeout s for it. None if there is none,
    or RuntimeError with @required."""
    t_end = time.time() + timeout
    while time.time() < t_end:
        try:
            for tid in os.listdir("/proc/%d/task" % pid):
                with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                    if "worker" in f.read():
                        return int(tid)
        except OSError:
            pass
        time.sleep(0.1)
    if required:
        raise RuntimeError("no worker lcore thread in pid %d" % pid)
    return None


def schedstat(pid, tid):
    """(ns on CPU, ns waiting on a runqueue) of one thread, or None (also
    for a @tid of None)."""
    try:
        with open("/proc/%d/task/%d/schedstat" % (pid, int(tid))) as f:
            run, wait, _ = f.read().split()
        return int(run), int(wait)
    except (OSError, ValueError, TypeError):
        return None


def thread_ns(pid, tid=None):
    """On-CPU nanoseconds of one thread (or all threads of @pid)."""
    tids = [tid] if tid else os.listdir("/proc/%d/task" % pid)
    return sum((schedstat(pid, t) or (0, 0))[0] for t in tids)


def thread_times(pid, tid=None):
    """(utime, stime) in seconds of one thread (or all threads of @pid);
    tick-sampled by the kernel (CONFIG_HZ), fine over seconds."""
    tids = [tid] if tid else os.listdir("/proc/%d/task" % pid)
    hz = os.sysconf("SC_CLK_TCK")
    u = st = 0
    for t in tids:
        try:
            with open("/proc/%d/task/%s/stat" % (pid, t)) as f:
                v = f.read().rsplit(")", 1)[1].split()
            u += int(v[11])
            st += int(v[12])
        except (OSError, ValueError, IndexError):
            pass
    return u / hz, st / hz


def proc_status(pid):
    """VmRSS, RssAnon, RssShmem, RssFile, VmHWM of @pid in KiB."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon", "RssShmem", "RssFile", "VmHWM"):
                out[k] = int(v.split()[0])
    return out


def cpu_busy(interval=1.0, cpus=None, steal_idle=False):
    """Non-idle share of each CPU over @interval s, from /proc/stat:
    {"cpuN": share}, for the CPU numbers in @cpus (default all). Idle is
    idle + iowait, and steal too with @steal_idle."""
    def snap():
        out = {}
        with open("/proc/stat") as f:
            for line in f:
                name = line.split(None, 1)[0]
                if not (name.startswith("cpu") and name[3:].isdigit()):
                    continue
                if cpus is not None and int(name[3:]) not in cpus:
                    continue
                v = [int(x) for x in line.split()[1:]]
                idle = v[3] + v[4] + (v[7] if steal_idle else 0)
                out[name] = (sum(v[:8]), idle)
        return out
    a = snap()
    time.sleep(interval)
    b = snap()
    return {c: 1.0 - (b[c][1] - a[c][1]) / max(1, b[c][0] - a[c][0]) for c in b}


def wait_quiet(max_wait, threshold=0.15, cpu=1, cpus=None, steal_idle=False):
    """Wait (up to @max_wait s) until CPU @cpu, the forwarding or proxy
    core, is at most @threshold busy, so that it is ours: cycle counts
    depend on it most. Returns the last cpu_busy(cpus=@cpus) sample."""
    t_end = time.time() + max_wait
    while True:
        b = cpu_busy(cpus=cpus, steal_idle=steal_idle)
        if b.get("cpu%d" % cpu, 0) <= threshold or time.time() >= t_end:
            return b
        log("  machine busy (%s): waiting" % ", ".join("%s %.0f%%" % (c, 100 * v)
                                                    for c, v in sorted(b.items())))


def hugepages_free(missing=0):
    """HugePages_Free from /proc/meminfo, or @missing when it has none."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("HugePages_Free:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return missing


def machine_info():
    """CPU model, CPU count, load average and kernel, for a results header."""
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    return {"cpu": cpu, "ncpu": os.cpu_count(), "loadavg": load,
            "kernel": os.uname().release}


# --------------------------------------------------------------------------
# DPDK telemetry

def telemetry(prefix, cmd):
    """One DPDK telemetry command on the v2 socket of the process with EAL
    --file-prefix @prefix; its JSON answer, or None."""
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.settimeout(5)
        s.connect(path)
        json.loads(s.recv(1 << 16).decode())
        s.send(cmd.encode())
        return json.loads(s.recv(1 << 20).decode())
    except (OSError, ValueError):
        return None
    finally:
        s.close()


def heap_info(prefix):
    """Heap_size, Free_size, Alloc_size of DPDK heap 0, or None."""
    r = telemetry(prefix, "/eal/heap_info,0")
    if not r:
        return None
    h = r.get("/eal/heap_info")
    if not isinstance(h, dict):
        return None
    return {k: int(h[k]) for k in ("Heap_size", "Free_size", "Alloc_size") if k in h}
