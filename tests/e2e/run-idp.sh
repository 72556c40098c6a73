#!/bin/bash
# run-idp.sh start|stop DIR - run the test IdP (idp.mjs) in the background.
#
# start: installs the node dependencies (npm ci) if missing, makes the test CA
#        and certificates in DIR (tests/tls/mkca.sh), starts idp.mjs and waits
#        (at most IDP_START_TIMEOUT seconds, default 180: node starts slowly
#        on a loaded machine) for it to be ready,
#        then prints the issuer.  Does nothing but print it if already running.
#        Writes DIR/idp.log (stdout+stderr), DIR/idp.pid, DIR/issuer,
#        DIR/jwks.json (private signing keys, reused across restarts) and
#        DIR/jwks.public.json (the JWKS as served).
# stop:  sends SIGTERM (SIGKILL after 10 s) to the IdP started in DIR.
#
# IDP_PORT (default 8443, 0 = any free port), IDP_TTL, IDP_ISSUER, ... are
# passed on to idp.mjs.
set -euo pipefail

if [ $# -ne 2 ] || { [ "$1" != start ] && [ "$1" != stop ]; }; then
    echo "usage: $0 start|stop DIR" >&2
    exit 2
fi
cmd=$1
if [ "$cmd" = stop ] && [ ! -d "$2" ]; then
    exit 0
fi
mkdir -p "$2"
dir=$(cd "$2" && pwd)
e2e=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Whether process $1 exists and is not a zombie.
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) } # the state letter follows "(comm) "
    [[ $stat != Z* ]]
}

# The pid in DIR/idp.pid, if that process is alive and is our idp.mjs.
running_pid() {
    local pid
    pid=$(cat "$dir/idp.pid" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
    grep -qa idp.mjs "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

if [ "$cmd" = stop ]; then
    if pid=$(running_pid); then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 100); do
            running_pid >/dev/null || break
            sleep 0.1
        done
        if running_pid >/dev/null; then
            echo "$0: IdP $pid did not stop on SIGTERM; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$dir/idp.pid"
    exit 0
fi

if running_pid >/dev/null && [ -s "$dir/issuer" ]; then
    cat "$dir/issuer"
    exit 0
fi

"$e2e/npm-deps.sh"
"$e2e/../tls/mkca.sh" "$dir"

rm -f "$dir/issuer" "$dir/idp.pid"
# The log exists before the wait loop reads it: the background job's own
# redirection may not have run yet on a loaded machine.
: >"$dir/idp.log"
IDP_CERT="$dir/server.pem" IDP_KEY="$dir/server.key" IDP_JWKS="$dir/jwks.json" \
    node "$e2e/idp.mjs" </dev/null >>"$dir/idp.log" 2>&1 &
pid=$!
echo "$pid" >"$dir/idp.pid"

deadline=$((SECONDS + ${IDP_START_TIMEOUT:-180}))
issuer=
while [ -z "$issuer" ]; do
    issuer=$(sed -n 's/^READY //p' "$dir/idp.log")
    [ -n "$issuer" ] && break
    if ! alive "$pid" || [ $SECONDS -ge $deadline ]; then
        echo "$0: the IdP did not become ready; its log ($dir/idp.log):" >&2
        cat "$dir/idp.log" >&2
        kill -TERM "$pid" 2>/dev/null || true
        rm -f "$dir/idp.pid"
        exit 1
    fi
    sleep 0.1
done
printf '%s\n' "$issuer" >"$dir/issuer"
curl -sS --connect-timeout 5 --max-time 10 --cacert "$dir/ca.pem" \
    -o "$dir/jwks.public.json" "$issuer/jwks"
echo "$issuer"
