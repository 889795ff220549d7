# SPDX-License-Identifier: BSD-3-Clause
"""The Pktgen-DPDK rig scripts (pktgen-scripts/) against the mock binding
(pktgen-scripts/test/mock_pktgen.lua), since CI has no second machine: every
script must run without a call Pktgen would reject, and every step must
configure the flow count the rig promises, in sequential and in random
order. A broken script (random bits without the cleared UDP checksum) must
be caught."""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(ROOT, "pktgen-scripts")
LUA = shutil.which("lua5.4")

ENV = {
    "ZDP_P0_MAC": "02:00:00:00:00:01",
    "ZDP_GEN_TX_MAC": "02:00:00:00:01:00",
    "ZDP_GEN_RX_MAC": "02:00:00:00:01:01",
    "ZDP_SECS": "1",
    "ZDP_WARMUP": "1",
}

FLOWS_RE = re.compile(r"^mock: port 0 range .*?(?:->|IPv6 \(CLI\),) (\d+) flows", re.M)

pytestmark = pytest.mark.skipif(LUA is None, reason="lua5.4 not installed (scripts/deps/bench.txt)")


def run(script, scripts_dir=SCRIPTS, **env):
    e = dict(os.environ)
    e.update(ENV)
    e.update(env)
    return subprocess.run([LUA, os.path.join(scripts_dir, "test", "run_mock.lua"),
                           os.path.join(scripts_dir, script)],
                          env=e, capture_output=True, text=True, timeout=60)


def flows(out):
    return [int(n) for n in FLOWS_RE.findall(out)]


def test_bench_sequential():
    p = run("bench.lua", ZDP_FLOW_ORDER="sequential")
    assert p.returncode == 0, p.stdout + p.stderr
    # tcp, udp, v6 x (1k, 1m) x 3 sizes, each configuring its promised set
    assert flows(p.stdout) == ([1000] * 3 + [1000000] * 3) * 3
    assert "imix" in p.stdout and "skipped" not in p.stdout


def test_bench_random_order_udp_only():
    p = run("bench.lua", ZDP_FLOW_ORDER="random")
    assert p.returncode == 0, p.stdout + p.stderr
    assert flows(p.stdout) == [1024] * 3 + [1048576] * 3
    assert "(random order)" in p.stdout
    # TCP and IPv6 steps are skipped with the reason, not sent with bad checksums
    assert p.stdout.count("skipped: random flow order is IPv4 UDP only") == 12
    # random bits are switched off again before IMIX
    assert "mock cli: disable 0 random" in p.stdout.split("imix")[0].rsplit("(random order)", 1)[1]


@pytest.mark.parametrize("script,n", [("flows-1k.lua", 1000), ("flows-1m.lua", 1000000)])
def test_interactive_profiles(script, n):
    p = run(script)
    assert p.returncode == 0, p.stdout + p.stderr
    assert flows(p.stdout) == [n]
    p = run(script, ZDP_FLOW_ORDER="random", ZDP_VIP="udp")
    assert p.returncode == 0, p.stdout + p.stderr
    assert flows(p.stdout) == [1024 if n == 1000 else 1048576]


def test_legacy_pktgen_skips_ipv6():
    p = run("bench.lua", MOCK_PKTGEN_LEGACY="1", ZDP_VIPS="v6", ZDP_IMIX="0")
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.count("skipped: this Pktgen cannot generate IPv6 ranges") == 6


def test_bad_order_refused():
    p = run("flows.lua", ZDP_FLOW_ORDER="shuffled")
    assert p.returncode != 0
    assert "ZDP_FLOW_ORDER must be sequential or random" in p.stdout


def test_mock_catches_missing_checksum_clear(tmp_path):
    """The mock is a real check: without the bitfield that clears the UDP
    checksum, every random-order packet would carry a wrong checksum."""
    d = tmp_path / "pktgen-scripts"
    shutil.copytree(SCRIPTS, d)
    rig = d / "zdp_rig.lua"
    text = rig.read_text()
    line = '\tpktgen.rnd(port, 1, M.udp_csum_off, string.rep("0", 16))\n'
    assert line in text
    rig.write_text(text.replace(line, ""))
    p = run("flows.lua", scripts_dir=str(d), ZDP_FLOW_ORDER="random", ZDP_VIP="udp")
    assert p.returncode != 0
    assert "zeroed UDP checksum" in p.stdout
