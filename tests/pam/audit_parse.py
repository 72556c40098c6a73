#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Read back the module's audit lines as key="value" pairs (DESIGN.md:
"each line reads back as key="value" pairs with one verdict=").

    audit_parse.py SINKFILE EXPECT

SINKFILE is syslog_sink.py's output.  EXPECT lines are tab-separated
"SERVICE VERDICT USER DESCRIPTION": the one audit line of PAM service
SERVICE must be "accepted" or "rejected" followed only by pairs
key="value" (a bare key=WORD of capitals also reads back unambiguously),
hold exactly one verdict= whose value is VERDICT, exactly one user= whose
value is USER (*: any one but "root"), and no control character anywhere.  Prints TAP-style
"ok"/"not ok" lines; exit 0 always (the shell counts).
"""
import json
import re
import sys

PAIR = re.compile(r' ([a-z_]+)=(?:"((?:[^"\\]|\\.)*)"|([A-Z_]+))')
PREFIX = re.compile(r'pam_jwt\(([^:)]*):auth\): ')

lines = {}
with open(sys.argv[1]) as f:
    for raw in f:
        msg = json.loads(raw)
        m = PREFIX.search(msg)
        if m is None:
            continue
        rest = msg[m.end():]
        if not (rest.startswith("accepted ") or rest.startswith("rejected ")):
            continue
        lines.setdefault(m.group(1), []).append(rest)

with open(sys.argv[2]) as f:
    for row in f:
        service, verdict, user, what = row.rstrip("\n").split("\t", 3)
        got = lines.get(service, [])
        if len(got) != 1:
            print(f"not ok - audit {what}: {len(got)} audit lines, want 1")
            continue
        line = got[0]
        problems = []
        ctl = [c for c in line if ord(c) < 0x20 or ord(c) == 0x7f]
        if ctl:
            problems.append(f"control characters {ctl!r}")
        word, pos, pairs = line.split(" ", 1)[0], len(line.split(" ", 1)[0]), []
        while pos < len(line):
            m = PAIR.match(line, pos)
            if m is None:
                problems.append(f"not a key=\"value\" pair at column {pos}: {line[pos:pos + 60]!r}")
                break
            pairs.append((m.group(1), m.group(2) if m.group(2) is not None else m.group(3)))
            pos = m.end()
        verdicts = [v for k, v in pairs if k == "verdict"]
        users = [v for k, v in pairs if k == "user"]
        if verdicts != [verdict]:
            problems.append(f"verdict= values {verdicts}, want [{verdict!r}]")
        if user == "*":  # a hostile PAM user: one user= that is not a forged "root"
            if len(users) != 1 or users[0] == "root":
                problems.append(f"user= values {users}, want one, not 'root'")
        elif users != [user]:
            problems.append(f"user= values {users}, want [{user!r}]")
        if (word == "accepted") != (verdict == "OK"):
            problems.append(f"leading word {word!r} for verdict {verdict}")
        if problems:
            print(f"not ok - audit {what}: " + "; ".join(problems) + f" -- line: {line[:300]!r}")
        else:
            print(f"ok - audit {what}: {len(pairs)} pairs, verdict={verdict}")
