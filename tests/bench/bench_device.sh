#!/bin/bash
# Device flow figures for `make bench` (printed, never pass/fail), in one run
# against the test OpenID provider with its default 5 s polling interval
# (BENCH_INTERVAL to change it), BENCH_ROUNDS (default 5) of each:
#
#   1. approval in the browser -> shell: a real sshd with the shipped stanza,
#      paramiko pressing Enter the moment the browser's success page
#      arrives, until `id` has printed.  The helper polls every interval, so
#      the wait after approval is between 0 and one interval: the floor is
#      the provider's interval, not this code.
#   2. the same through the PAM driver (approval -> pam_authenticate returns)
#   3. the module's own CPU per login, device flow against a pasted token
#      (getrusage in the PAM process around pam_authenticate; the helper's
#      CPU, reaped by the module, shown apart).  Needs root.
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
if [ "$(id -u)" != 0 ] || ! command -v node > /dev/null; then
	echo "(device flow figures need root and node)"
	exit 0
fi
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
ROUNDS=${BENCH_ROUNDS:-5}
INTERVAL=${BENCH_INTERVAL:-5}
S=$T/sshd
trap e2e_cleanup EXIT

idp_start IDP_DEVICE_INTERVAL="$INTERVAL" IDP_CLIENTS='{"nobody-cli": {"user": "nobody", "groups": []}}' > /dev/null
mkdir -p "$T/bin" "$T/cache" "$T/pam.d"
install -m 0755 "$PAMJWT" "$T/bin/pam-jwt"
cat > "$T/jwt.conf" <<EOF
cache_dir = $T/cache
refresh_helper = $T/bin/pam-jwt
device_dir = $T/device
[issuer token]
issuer = $ISSUER
audience = ssh://127.0.0.1
ca_file = $CA
username_claim = preferred_username
[issuer device]
issuer = $ISSUER
audience = ssh-device
ca_file = $CA
username_claim = preferred_username
device_flow = yes
client_id = ssh-device
device_scope = openid profile groups
device_timeout = 60
device_services = sshd device
EOF
"$T/bin/pam-jwt" refresh --config "$T/jwt.conf" --quiet
echo "auth required $MODULE config=$T/jwt.conf" > "$T/pam.d/device"
tok nobody-cli ssh://127.0.0.1 RS256 > "$T/nobody.jwt"

# --- 1. approval -> id through sshd ----------------------------------------
port_reserve PORT
sshd_prepare "$S"
view_add_user "$S" alice 4100
cp "$T/jwt.conf" "$S/security/pam_jwt.conf"
sshd_start "$S" "$PORT"
ssh_ms=() ssh_after=()
token_poll_at() { grep -a "answer=token" "$T/idp/idp.log" | tail -1 | sed -n 's/.* at=\([0-9]*\).*/\1/p'; }
for _ in $(seq "$ROUNDS"); do
	out=$(timeout 120 "$PYTHON" "$E2E/device_login.py" 127.0.0.1 "$PORT" alice "$ISSUER" "$CA" \
		approve alice 2>&1) || true
	ms=$(sed -n 's/^approved->id \([0-9]*\) ms$/\1/p' <<< "$out")
	at=$(sed -n 's/^id printed at \([0-9]*\)$/\1/p' <<< "$out")
	if [ -n "$ms" ] && [ -n "$at" ]; then
		ssh_ms+=("$ms")
		ssh_after+=($((at - $(token_poll_at))))
	else
		echo "(an sshd device login failed: $(tail -1 <<< "$out"))"
	fi
done
sshd_stop "$S"

# --- 2 and 3. the PAM driver: device and token logins interleaved -----------
"$PYTHON" - "$top_builddir/tests/bench/bench_device" "$T/pam.d" "$T/nobody.jwt" "$ROUNDS" \
	"$E2E/device_browser.py" "$ISSUER" "$CA" "$INTERVAL" "${ssh_ms[*]:-}" "${ssh_after[*]:-}" "$T/idp/idp.log" <<'PY'
import re, statistics, subprocess, sys
drv, confdir, tokfile, rounds, browser, issuer, ca, interval, ssh, ssh_after, idplog = sys.argv[1:12]
def token_poll_at():
    at = re.findall(r"answer=token at=(\d+)", open(idplog).read())
    return int(at[-1]) if at else 0
p = subprocess.Popen([drv, confdir, "device", "nobody", tokfile, rounds], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, text=True)
dev, tok = [], []
for line in p.stdout:
    if line.startswith("CODE "):
        subprocess.run(["/usr/bin/python3", browser, issuer, ca, line.split()[1], "approve",
                        "nobody"], check=True, capture_output=True, timeout=60)
        p.stdin.write("\n"); p.stdin.flush()
        continue
    f = dict(kv.split("=", 1) for kv in line.split()[1:])
    if f["rc"] != "Success":
        print("(a %s login failed: %s)" % (line.split()[0], f["rc"]))
        continue
    if line.startswith("device"):
        f["after_poll"] = int(f["success_at_ms"]) - token_poll_at()
    (dev if line.startswith("device") else tok).append(f)
p.wait()
def stats(v, unit):
    v = sorted(v)
    return "min %s, median %s, max %s %s (n=%d)" % (v[0], statistics.median(v), v[-1], unit, len(v)) if v else "no data"
ssh_ms = [int(x) for x in ssh.split()]
print("Device flow (RFC 8628), provider interval %s s; a poll lands 0..%s s after approval" % (interval, interval))
print("  approval -> id printed, sshd + paramiko:       " + stats(ssh_ms, "ms"))
print("  approval -> PAM_SUCCESS, PAM driver:           " + stats([int(d["approved_to_success_ms"]) for d in dev], "ms"))
print("  of which after the provider answered the poll that returned the token:")
print("    token poll -> id printed (sshd):             " + stats([int(x) for x in ssh_after.split()], "ms"))
print("    token poll -> PAM_SUCCESS (PAM driver):      " + stats([d["after_poll"] for d in dev], "ms"))
print("Module CPU per login (user+sys of the PAM process around pam_authenticate)")
print("  pasted token (RS256):                          " + stats([int(t["self_us"]) for t in tok], "us"))
print("  device flow, module (same RS256 check, relay): " + stats([int(d["self_us"]) for d in dev], "us"))
print("  device flow, helper pam-jwt device (curl+TLS): " + stats([int(d["helper_us"]) for d in dev], "us"))
PY
