# SPDX-License-Identifier: BSD-3-Clause
"""The zdp command line: --version, --help, refusing to start without a
config, --check-config on good and bad files (every error with file:line),
and a clean exit 0 on SIGTERM."""
import os
import shutil
import subprocess

import pytest

import zdptopo

EXAMPLES = os.path.join(zdptopo.ROOT, "examples")


def run(*args):
    return subprocess.run([zdptopo.ZDP, *args], capture_output=True, text=True, timeout=30)


def test_version_and_help():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("zdp ")
    r = run("--help")
    assert r.returncode == 0 and "--check-config" in r.stdout


def test_no_config_refused():
    r = run("--no-huge", "--no-pci", "--")
    assert r.returncode != 0 and "no --config" in r.stderr


def test_check_config_examples_ok():
    for f in sorted(os.listdir(EXAMPLES)):
        if f.endswith(".yaml"):
            r = run("--check-config", os.path.join(EXAMPLES, f))
            assert r.returncode == 0, (f, r.stdout, r.stderr)


def test_check_config_reports_every_error_with_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "workloads:\n"
        "  - uid: a\n"
        "    workloadIps: [198.18.300.1]\n"        # line 3: bad IP
        "gateway:\n"
        "  workers: 0\n"                          # line 5: bad worker count
        "  ports:\n"
        "    - name: p0\n"
        "      device: net_null0\n"
        "      mtu: 20\n"                         # line 9: bad MTU
        "      colour: blue\n"                    # line 10: unknown key
    )
    r = run("--check-config", str(bad))
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    for ln in (3, 5, 9, 10):
        assert any(l.startswith("%s:%d: " % (bad, ln)) for l in lines), (ln, r.stderr)


def test_check_config_unreadable(tmp_path):
    r = run("--check-config", str(tmp_path / "missing.yaml"))
    assert r.returncode != 0 and "missing.yaml" in r.stderr


def test_sigterm_clean_exit(tmp_path):
    """Exit 0 on SIGTERM, and nothing of EAL left on disk: no hugepage
    files holding pages after the process is gone, no runtime directory."""
    with zdptopo.Gateway(tmp_path) as g:
        assert g.ready()
        used_huge = "--no-huge" not in g.zdp.args
        assert not used_huge or zdptopo._eal_files("zdp" + g.tag), \
            "a running zdp on hugepages has files (else this test cannot fail)"
    assert g.rc == 0, g.log_text()
    assert g.eal_leftovers == [], g.eal_leftovers


def test_mbuf_pool_gauges(tmp_path):
    """zdp_port_mbufs: each port's pool, available + in use = its size
    (pools.mbufsPerPort), and traffic leaves nothing in use for good."""
    with zdptopo.Gateway(tmp_path) as g:
        g.client("split", "198.18.10.1", "9080", "50")
        m = g.metrics()
        for port in ("p0", "p1"):
            avail = m['zdp_port_mbufs{port="%s",state="available"}' % port]
            used = m['zdp_port_mbufs{port="%s",state="in_use"}' % port]
            assert avail + used == g.mbufs, (port, avail, used)
            # the RX rings hold their descriptors' mbufs, nothing else
            # stays: far fewer than the pool
            assert 0 <= used < g.mbufs / 2, (port, used)


def test_flow_table_occupancy_gauges(tmp_path):
    """zdp_worker_flows_{active,capacity}: the worker's table size
    (pools.flowsPerCore) and its flows, adding up to the totals."""
    with zdptopo.Gateway(tmp_path) as g:
        g.client("split", "198.18.10.1", "9080", "20")
        m = g.metrics()
        assert m["zdp_flows_capacity"] == 65536
        assert m['zdp_worker_flows_capacity{worker="0"}'] == 65536
        assert m['zdp_worker_flows_active{worker="0"}'] == m["zdp_flows_active"]
        assert 20 <= m["zdp_flows_active"] <= 65536


def test_alert_rules_reference_exported_metrics(tmp_path):
    """examples/prometheus/zdp-alerts.yaml: every zdp metric its expressions use
    is exported, and every label value they match on (drop reasons, ports'
    states, reload results) names an exported series — a renamed metric or
    a mistyped reason would make an alert silently never fire."""
    import re
    import yaml
    path = os.path.join(zdptopo.ROOT, "examples", "prometheus", "zdp-alerts.yaml")
    with open(path) as f:
        rules = [r for grp in yaml.safe_load(f)["groups"] for r in grp["rules"]]
    assert len(rules) >= 8
    with zdptopo.Gateway(tmp_path) as g:
        g.client("split", "198.18.10.1", "9080", "5")
        series = list(g.metrics())
    names = {k.split("{")[0] for k in series}
    for r in rules:
        expr = str(r["expr"])
        used = re.findall(r"\b(zdp_[a-z0-9_]+)(\{[^}]*\})?", expr)
        assert used, r["alert"]
        for name, sel in used:
            assert name in names, (r["alert"], name)
            for label, op, vals in re.findall(r'(\w+)\s*(=~|=)\s*"([^"]*)"', sel):
                for v in vals.split("|") if op == "=~" else [vals]:
                    want = '%s="%s"' % (label, v)
                    assert any(k.startswith(name + "{") and want in k for k in series), \
                        (r["alert"], name, want)


@pytest.mark.skipif(shutil.which("promtool") is None,
                    reason="promtool not installed (Debian package prometheus; not in "
                           "scripts/deps: it would also install a Prometheus service)")
def test_alert_rules_promtool():
    """examples/prometheus/zdp-alerts.yaml is valid PromQL and rule syntax."""
    path = os.path.join(zdptopo.ROOT, "examples", "prometheus", "zdp-alerts.yaml")
    r = subprocess.run(["promtool", "check", "rules", path], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_dpdk_telemetry_per_worker(tmp_path):
    """dpdk-telemetry.py sees zdp's per-worker counters and drop reasons."""
    import json
    with zdptopo.Gateway(tmp_path) as g:
        g.client("split", "198.18.10.1", "9080", "5")
        cmds = "/zdp/workers\n/zdp/worker,0\n/zdp/drops\n"
        r = subprocess.run(["dpdk-telemetry.py", "-f", "zdp" + g.tag], input=cmds,
                           capture_output=True, text=True, timeout=30)
        replies = [json.loads(l[l.index("{"):]) for l in r.stdout.splitlines() if "{" in l]
        byk = {list(x)[0]: x[list(x)[0]] for x in replies}
        assert byk["/zdp/workers"] == [0], r.stdout
        assert byk["/zdp/worker"]["flows_created"] >= 5
        assert byk["/zdp/worker"]["flows_capacity"] == 65536
        assert "policy_deny" in byk["/zdp/drops"]
