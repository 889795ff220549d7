# SPDX-License-Identifier: BSD-3-Clause
"""Istio L4 authorization on the first packet: a DENY policy on port 9090
makes the Linux client see a reset (RST from the VIP), counted per policy
and as a policy_deny drop; port 9080 of the same VIP is unaffected."""


def test_deny_gets_reset(gw):
    before = gw.metrics()
    for _ in range(5):
        assert gw.client("expect-reset", "198.18.10.1", "9090") == {"result": "reset"}
    after = gw.metrics()
    key = 'zdp_policy_decisions_total{policy="default/deny-9090",decision="deny"}'
    assert after[key] - before.get(key, 0) == 5
    d = 'zdp_drops_total{reason="policy_deny"}'
    assert after[d] - before[d] == 5


def test_allowed_port_still_connects(gw):
    assert gw.client("expect-reset", "198.18.10.1", "9080") == {"result": "connected"}


def test_hbone_backend_refused(gw):
    """ratings is an HBONE workload: zdp refuses to forward plaintext."""
    before = gw.drops("hbone_backend")
    assert gw.client("expect-reset", "198.18.10.3", "9080") == {"result": "reset"}
    assert gw.drops("hbone_backend") == before + 1
