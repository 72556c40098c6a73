#!/usr/bin/python3
"""The stock OpenSSH client in a pseudo-terminal, signing in with the device
flow the way a person does:

    device_pty.py PORT USER ISSUER CAFILE LOGIN TRANSCRIPT

ssh -p PORT USER@127.0.0.1 id, keyboard-interactive only.  At "Token (or
press Enter ...)" it presses Enter; once the code is on screen the test
browser approves it as LOGIN and it presses Enter at "Press Enter once ...".
The whole terminal output goes to TRANSCRIPT.  Exit 0 when id ran.
DEVICE_PTY_SSH_ARGS (split at spaces) goes before the other ssh options, e.g.
"-i KEY -o PreferredAuthentications=publickey,keyboard-interactive".
"""
import os
import pty
import re
import select
import subprocess
import sys
import time

port, user, issuer, cafile, login, transcript = sys.argv[1:7]
browser = os.path.join(os.path.dirname(os.path.abspath(__file__)), "device_browser.py")
pid, fd = pty.fork()
if pid == 0:
    extra = os.environ.get("DEVICE_PTY_SSH_ARGS", "").split()
    os.execvp("ssh", ["ssh"] + extra + ["-p", port, "-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
                      "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                      "-o", "PreferredAuthentications=keyboard-interactive",
                      "-o", "NumberOfPasswordPrompts=1", f"{user}@127.0.0.1", "id"])
buf = b""
stage = 0
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    r, _, _ = select.select([fd], [], [], 1)
    if r:
        try:
            d = os.read(fd, 4096)
        except OSError:
            break
        if not d:
            break
        buf += d
    text = buf.decode("utf-8", "replace")
    if stage == 0 and "Token (or press Enter to sign in with a browser): " in text:
        os.write(fd, b"\r")
        stage = 1
    elif stage == 1 and "Press Enter once you have signed in" in text:
        m = re.search(r"enter (\S+)\r?\n", text)
        res = subprocess.run(["/usr/bin/python3", browser, issuer, cafile, m.group(1) if m else "",
                              "approve", login], capture_output=True, text=True, timeout=60)
        sys.stderr.write(res.stdout)
        os.write(fd, b"\r")
        stage = 2
_, status = os.waitpid(pid, 0)
with open(transcript, "w", encoding="utf-8") as f:
    f.write(f"$ ssh {user}@host id\n" + buf.decode("utf-8", "replace").replace("\r\n", "\n"))
sys.exit(0 if "uid=" in buf.decode("utf-8", "replace") else 1)
