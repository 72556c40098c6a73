#!/usr/bin/python3
"""Log in with a token over keyboard-interactive using paramiko (a non-OpenSSH
client with no 1023-character limit): the whole token in one answer.

    paramiko_login.py HOST PORT USER TOKENFILE

Prints the prompts seen, any messages, and the output of `id`; exit 0 on a
successful login, 1 otherwise.
"""
import socket
import sys

import paramiko

from paramiko_exec import run

host, port, user, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(path) as f:
    token = f.read().strip()

seen = []


def handler(title, instructions, prompts):
    if instructions:
        print("instructions:", instructions)
    answers = []
    for text, _echo in prompts:
        seen.append(text)
        answers.append(token if text.startswith("Token") else "")
    return answers


sock = socket.create_connection((host, port), timeout=20)
t = paramiko.Transport(sock)
t.banner_timeout = t.auth_timeout = 20
try:
    t.start_client(timeout=20)
    t.auth_interactive(user, handler)
    print("prompts:", " | ".join(seen))
    out, status = run(t, "id", 20)
    print(out)
    sys.exit(0 if status == 0 else 1)
except paramiko.SSHException as e:
    print("prompts:", " | ".join(seen))
    print("failed:", e)
    sys.exit(1)
finally:
    t.close()
