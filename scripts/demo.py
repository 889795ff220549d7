#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The zdp demo: examples/demo.yaml between two network namespaces.

Starts zdp with the demo config, moves its TAP devices into a client and a
backend namespace, starts two backend versions (v1, v2), then drives real
Linux TCP/UDP traffic through the 90/10 canary VIP and a denied port and
prints what the client saw next to zdp's own counters. Everything it
created is removed on exit, also on failure or Ctrl-C.
"""
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import zdptopo  # noqa: E402


def main():
    cfg = os.path.join(ROOT, "examples", "demo.yaml")
    print("zdp demo: %s\n" % cfg)
    with zdptopo.Gateway(tempfile.mkdtemp(prefix="zdp-demo-"), config=cfg,
                         taps=("zdp-c", "zdp-b"), http=(15000, 15020, 15021)) as g:
        dump = g.config_dump()
        for p in dump["ports"]:
            print("port %-3s %-26s mac %s  %s" % (p["name"], p["device"], p["mac"],
                                                  ", ".join(p["addresses"])))
        print("ready: %s\n" % g.get(2, "/healthz/ready")[1].strip())

        n = 1000
        print("1) %d TCP connections from the client namespace to 198.18.10.1:9080" % n)
        r = g.client("split", "198.18.10.1", "9080", str(n))
        v1, v2 = r["counts"].get("v1", 0), r["counts"].get("v2", 0)
        print("   reviews-v1: %4d (%.1f%%)   reviews-v2: %4d (%.1f%%)   errors: %s"
              % (v1, 100.0 * v1 / n, v2, 100.0 * v2 / n, r["errors"] or "none"))
        print("   configured split 90/10\n")

        print("2) 20 connections to 198.18.10.1:9090 (DENY policy default/deny-9090)")
        seen = {}
        for _ in range(20):
            res = g.client("expect-reset", "198.18.10.1", "9090")["result"]
            seen[res] = seen.get(res, 0) + 1
        print("   client saw: %s\n" % seen)

        print("3) 100 UDP exchanges with 198.18.10.2:5353 and 100 IPv6 connections")
        u = g.client("udp", "198.18.10.2", "5353", "100")
        r6 = g.client("split", "2001:2:0:10::1", "9080", "100")
        print("   udp: %(ok)d ok, %(lost)d lost;" % u,
              "ipv6:", r6["counts"], "\n")

        m = g.metrics()
        print("zdp metrics (/stats/prometheus on 127.0.0.1:15020):")
        for k in sorted(m):
            if (k.startswith("zdp_backend_picks_total") and m[k] or
                    k.startswith("zdp_policy_decisions_total") and m[k] or
                    k.startswith("zdp_flows_") or
                    k.startswith("zdp_drops_total") and m[k] or
                    k.startswith("zdp_queue_rx_packets_total") or
                    k.startswith("zdp_local_replies_total") and m[k]):
                print("   %-100s %d" % (k, m[k]))
        print("\nstopping zdp and removing the namespaces")
    ok = abs(v1 / 10 - 90) <= 3 and seen.get("reset") == 20 and u["ok"] == 100
    print("demo %s" % ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
