#!/usr/bin/python3
"""A /dev/log stand-in: bind a datagram socket at PATH and append every
message to OUT as one JSON string per line (so a newline or a control
character inside a message stays visible instead of splitting the line),
or with --raw as it came, one message per line (for grep).

    syslog_sink.py [--raw] PATH OUT
"""
import json
import socket
import sys

args = sys.argv[1:]
raw = args[:1] == ["--raw"]
if raw:
    args = args[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(args[0])
with open(args[1], "ab", buffering=0) as f:
    while True:
        msg = s.recv(65536)
        f.write(msg + b"\n" if raw else (json.dumps(msg.decode("latin-1")) + "\n").encode())
