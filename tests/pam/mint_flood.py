#!/usr/bin/python3
"""Misbehaving clients of the desktop-code socket (tests/pam/mint_dos.sh).

    mint_flood.py hold SOCK N SECONDS READYFILE PAUSE SETTLE
        keep N idle connections open for SECONDS, opening a new one as soon
        as the service closes one (about PAUSE seconds later when it
        refused it as busy); touch READYFILE once the first N are open and the service
        has answered SETTLE of them (or 8 s have passed).  Prints one JSON object: how many were opened, how the service
        answered (busy / timeout / dropped without a word / other), the
        longest any connection stayed open, and the most connections the
        service was holding for us at once (those it cut off at the
        deadline, as opposed to those it refused at once).
    mint_flood.py trickle SOCK
        send one byte a second and never finish; print JSON: after how many
        seconds the service closed, and its answer.
    mint_flood.py big SOCK BYTES
        send BYTES bytes as fast as the service takes them; print JSON:
        after how many seconds it answered and closed, and its answer.

Every wait is bounded: nothing here runs longer than SECONDS + 5 s (hold)
or 10 s (trickle, big).
"""
import json
import os
import random
import selectors
import socket
import sys
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect(path)
    s.setblocking(False)
    return s


def kind(answer):
    if answer.startswith(b"error busy:"):
        return "busy"
    if answer.startswith(b"error timeout:"):
        return "timeout"
    if answer == b"":
        return "dropped"
    return "other"


def hold(path, n, seconds, ready, pause, settle):
    sel = selectors.DefaultSelector()
    stats = {"opened": 0, "busy": 0, "timeout": 0, "dropped": 0, "other": 0,
             "connect_errors": 0, "longest": 0.0, "samples": []}
    served = []  # (opened, closed) of the connections cut off at the deadline
    later = []  # when each refused connection is opened again
    end = time.monotonic() + seconds

    def open_one():
        try:
            s = connect(path)
        except OSError as e:
            stats["connect_errors"] += 1
            stats["samples"].append("connect: %s" % e)
            time.sleep(0.05)
            return
        stats["opened"] += 1
        sel.register(s, selectors.EVENT_READ, [time.monotonic(), b""])

    for _ in range(n):  # one after another, as a script would
        open_one()
        time.sleep(0.05)
    settled = time.monotonic() + 8
    while time.monotonic() < end:
        if settled and (stats["busy"] + stats["timeout"] + stats["dropped"] + stats["other"] >=
                        settle or time.monotonic() > settled):
            open(ready, "w").close()
            stats["settled_after"] = round(time.monotonic() - end + seconds, 3)
            settled = 0
        for key, _ in sel.select(timeout=0.1):
            s, data = key.fileobj, key.data
            try:
                chunk = s.recv(1024)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if chunk:
                data[1] += chunk
                continue
            sel.unregister(s)
            s.close()
            now = time.monotonic()
            held = now - data[0]
            stats["longest"] = max(stats["longest"], round(held, 3))
            k = kind(data[1])
            stats[k] += 1
            if k == "timeout":
                served.append((data[0], now))
            if k == "busy":
                stats.setdefault("busy_ms", []).append(int(held * 1000))
                later.append(now + pause * random.uniform(0.5, 1.5))
            if k == "other" and len(stats["samples"]) < 5:
                stats["samples"].append(data[1].decode("utf-8", "replace"))
        later = [t for t in later if t > time.monotonic()]
        while len(sel.get_map()) + len(later) < n and time.monotonic() < end:
            open_one()
    # Connections still open now count as held since they were opened.
    now = time.monotonic()
    for key in list(sel.get_map().values()):
        stats["longest"] = max(stats["longest"], round(now - key.data[0], 3))
        key.fileobj.close()
    events = sorted([(a, 1) for a, _ in served] + [(b, -1) for _, b in served],
                    key=lambda e: (e[0], e[1]))
    level = peak = 0
    for _, d in events:
        level += d
        peak = max(peak, level)
    stats["served_at_once"] = peak
    print(json.dumps(stats))


def drain(s, start, limit):
    answer = b""
    while time.monotonic() - start < limit:
        try:
            chunk = s.recv(1024)
        except BlockingIOError:
            return answer, False
        except OSError:
            return answer, True
        if not chunk:
            return answer, True
        answer += chunk
    return answer, False


def trickle(path):
    start = time.monotonic()
    s = connect(path)
    answer, closed = b"", False
    while not closed and time.monotonic() - start < 10:
        try:
            s.send(b"e")
        except OSError:
            pass
        sel = selectors.DefaultSelector()
        sel.register(s, selectors.EVENT_READ)
        sel.select(timeout=1)
        got, closed = drain(s, start, 10)
        answer += got
    print(json.dumps({"closed_after": round(time.monotonic() - start, 3), "closed": closed,
                      "answer": answer.decode("utf-8", "replace").strip()}))


def big(path, size):
    start = time.monotonic()
    s = connect(path)
    sent, answer, closed = 0, b"", False
    block = b"eyJ." + b"A" * 65532  # token-shaped, so only its length refuses it
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    while not closed and time.monotonic() - start < 10:
        for _, ev in sel.select(timeout=0.5):
            if ev & selectors.EVENT_READ:
                got, closed = drain(s, start, 10)
                answer += got
            if ev & selectors.EVENT_WRITE and sent < size and not closed:
                try:
                    sent += s.send(block[sent % len(block):][:size - sent])
                except BlockingIOError:
                    pass
                except OSError:
                    sent = size
                if sent >= size:
                    sel.modify(s, selectors.EVENT_READ)
    print(json.dumps({"closed_after": round(time.monotonic() - start, 3), "closed": closed,
                      "sent": sent, "answer": answer.decode("utf-8", "replace").strip()}))


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "hold":
        hold(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5],
             float(sys.argv[6]), int(sys.argv[7]))
    elif what == "trickle":
        trickle(sys.argv[2])
    elif what == "big":
        big(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: see the docstring")
    sys.stdout.flush()
    os._exit(0)
