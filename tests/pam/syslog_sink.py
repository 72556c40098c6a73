#!/usr/bin/python3
"""A /dev/log stand-in: bind a datagram socket at PATH and append every
message to OUT as one JSON string per line (so a newline or a control
character inside a message stays visible instead of splitting the line).

    syslog_sink.py PATH OUT
"""
import json
import socket
import sys

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(json.dumps(s.recv(65536).decode("latin-1")) + "\n")
