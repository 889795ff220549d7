#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Count test results across meson TAP logs and pytest JUnit files.

  summarize.py [--meson TESTLOG.json:LABEL]... [--junit FILE.xml:LABEL]...

Prints one line per source and, last, `N passed, N failed, N skipped`.
A test binary that printed no TAP line (crashed before its plan, or timed
out) counts as one failure, so a crash can never vanish from the total.
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET


def meson_counts(path):
    p = f = s = 0
    failed = []
    if not os.path.exists(path):
        return 0, 1, 0, ["%s: no meson test log" % path]
    with open(path) as fh:
        for line in fh:
            t = json.loads(line)
            out = t.get("stdout") or ""
            ok = len(re.findall(r"^ok \d+", out, re.M))
            bad = len(re.findall(r"^not ok \d+", out, re.M))
            skip = len(re.findall(r"^ok \d+ .*# ?SKIP", out, re.M | re.I))
            if ok + bad == 0:
                if t.get("result") in ("OK", "EXPECTEDFAIL"):
                    ok = 1
                elif t.get("result") == "SKIP":
                    skip = 1
                else:
                    bad = 1
            elif t.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and bad == 0:
                bad = 1		# plan not completed, crash after some points
            if bad:
                failed.append("%s (%s)" % (t.get("name"), t.get("result")))
            p += ok - skip
            s += skip
            f += bad
    return p, f, s, failed


def junit_counts(path):
    if not os.path.exists(path):
        return 0, 1, 0, ["%s: missing (pytest did not run)" % path]
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    p = f = s = 0
    failed = []
    for su in suites:
        for tc in su.iter("testcase"):
            kinds = {c.tag for c in tc}
            name = "%s::%s" % (tc.get("classname"), tc.get("name"))
            if "failure" in kinds or "error" in kinds:
                f += 1
                failed.append(name)
            elif "skipped" in kinds:
                s += 1
            else:
                p += 1
    return p, f, s, failed


def main(argv):
    tp = tf = ts = 0
    i = 0
    while i < len(argv):
        kind, spec = argv[i], argv[i + 1]
        i += 2
        src, _, label = spec.rpartition(":")
        p, f, s, failed = (meson_counts if kind == "--meson" else junit_counts)(src)
        print("%-28s %d passed, %d failed, %d skipped" % (label + ":", p, f, s))
        for x in failed:
            print("    FAILED " + x)
        tp, tf, ts = tp + p, tf + f, ts + s
    print("%d passed, %d failed, %d skipped" % (tp, tf, ts))
    return 1 if tf else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
