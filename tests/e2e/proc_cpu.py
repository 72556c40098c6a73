#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""CPU used so far by some processes and all their descendants.

    proc_cpu.py ROOTPID...

Prints "TICKS N PID:TICKS:COMM ..." (utime + stime in clock ticks from
/proc/PID/stat, summed over the roots and every process below them; N is
how many processes that is).  A root that is gone counts nothing.
"""
import os
import sys

procs = {}
for name in os.listdir("/proc"):
    if not name.isdigit():
        continue
    try:
        with open(f"/proc/{name}/stat") as f:
            stat = f.read()
    except OSError:
        continue
    comm = stat[stat.index("(") + 1:stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2:].split()
    # fields[0] is state (field 3): ppid is field 4, utime 14, stime 15
    procs[int(name)] = (int(fields[1]), int(fields[11]) + int(fields[12]), comm)

want = {int(p) for p in sys.argv[1:] if int(p) in procs}
grew = True
while grew:
    grew = False
    for pid, (ppid, _, _) in procs.items():
        if ppid in want and pid not in want:
            want.add(pid)
            grew = True
total = sum(procs[p][1] for p in want)
print(total, len(want), " ".join(f"{p}:{procs[p][1]}:{procs[p][2]}" for p in sorted(want)))
