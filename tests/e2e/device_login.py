#!/usr/bin/python3
"""Device-flow logins over keyboard-interactive with paramiko.

    device_login.py HOST PORT USER ISSUER CAFILE MODE [ARG] [--count N]

MODE approve LOGIN   press Enter at "Token (or press Enter ...)", let the test
                     browser (device_browser.py) approve the shown code as
                     LOGIN, press Enter at "Press Enter once ...", run id
     deny            the browser aborts instead
     none            nobody approves (the code runs out)
     disconnect      close the connection at the second prompt
     token FILE      type the token from FILE at the second prompt

Prints everything the server showed (instructions, prompts), then id's
output or "failed: ..."; "approved->id MS" is the time from the browser's
success page to id's output.  With --count N, N logins run at once (user
USER, LOGIN alike) and each prints "login I: code=DIGEST result" lines,
the code digest showing codes are distinct without printing them.
"""
import hashlib
import re
import socket
import subprocess
import sys
import threading
import time

import paramiko

from paramiko_exec import run

BROWSER = __file__.replace("device_login.py", "device_browser.py")


class Ended(Exception):
    pass


def one(host, port, user, issuer, cafile, mode, arg, out):
    st = {"round": 0, "code": None, "approved_at": None, "shown": []}
    t = paramiko.Transport(socket.create_connection((host, port), timeout=30))
    t.banner_timeout = t.auth_timeout = 180

    def handler(title, instructions, prompts):
        if instructions:
            st["shown"].append(instructions)
        answers = []
        for text, _echo in prompts:
            st["shown"].append("PROMPT " + text)
            # sshd puts the module's messages in front of the prompt text
            if "Token (or press Enter to sign in with a browser): " in text:
                if st["round"] > 0:
                    raise Ended()  # one attempt per run: never start a second flow
                st["round"] += 1
                answers.append("")
            elif "Press Enter once you have signed in" in text:
                m = re.search(r"enter (\S+)\n", text)
                st["code"] = m and m.group(1)
                if mode == "disconnect":
                    t.close()
                    raise Ended()
                if mode in ("approve", "deny") and st["code"]:
                    r = subprocess.run(["/usr/bin/python3", BROWSER, issuer, cafile, st["code"],
                                        mode, arg or "alice"], capture_output=True, text=True,
                                       timeout=60)
                    st["shown"].append(r.stdout.strip())
                    st["approved_at"] = time.monotonic()
                if mode == "token":
                    answers.append(open(arg).read().strip())
                else:
                    answers.append("")
            else:
                answers.append("")
        return answers

    result = ""
    try:
        t.start_client(timeout=30)
        try:
            t.auth_interactive(user, handler)
        except Ended:
            raise
        result = run(t, "id", 30)[0]
        if st["approved_at"] is not None:
            result += "\napproved->id %d ms" % ((time.monotonic() - st["approved_at"]) * 1000)
            result += "\nid printed at %d" % (time.time() * 1000)
    except Ended:
        result = "failed: ended by the client"
    except (paramiko.SSHException, EOFError, OSError) as e:
        result = "failed: %s" % e
    finally:
        t.close()
    out.append((st, result))


def main():
    args = sys.argv[1:]
    count = 1
    if "--count" in args:
        i = args.index("--count")
        count = int(args[i + 1])
        del args[i:i + 2]
    host, port, user, issuer, cafile, mode = args[:6]
    arg = args[6] if len(args) > 6 else None
    if count == 1:
        out = []
        one(host, int(port), user, issuer, cafile, mode, arg, out)
        st, result = out[0]
        print("\n".join(st["shown"]))
        print(result)
        return 0 if "uid=" in result else 1
    outs = [[] for _ in range(count)]
    threads = [threading.Thread(target=one, args=(host, int(port), user, issuer, cafile, mode,
                                                  arg, outs[i])) for i in range(count)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(300)
    ok = 0
    for i, o in enumerate(outs):
        st, result = o[0] if o else ({"code": None}, "failed: no result")
        digest = hashlib.sha256((st["code"] or "").encode()).hexdigest()[:12]
        first = result.splitlines()[0] if result else ""
        print("login %d: code=%s %s" % (i, digest if st["code"] else "none", first))
        ok += "uid=" in result
    print("%d of %d logged in" % (ok, count))
    return 0 if ok == count else 1


sys.exit(main())
