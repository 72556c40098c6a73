#!/bin/bash
# What the workstation client costs per connection (issue 20), against the
# test provider (idp.mjs on loopback HTTPS), headless Chromium and real sshd
# hosts (multihost-lib.sh).  Prints, in one run:
#   sign-in to first shell (the browser automation's own time shown apart)
#   ssh + `true` with a cached host token (pam-jwt-ssh, no provider request)
#   the same with a pasted token (PAM_JWT_TOKEN_FILE + pam-jwt-askpass)
#   the same to a one_time host: a fresh host-bound token per connection,
#     with the provider round trips counted
#   ansible -m ping over the hosts (BENCH_HOSTS, default 10), if installed
# BENCH_ROUNDS (default 10) connections each; medians in milliseconds.
# A figure, never a pass/fail.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root (sshd)"; exit 77; }
[ -x "$top_builddir/pam-jwt-login" ] || { echo "# pam-jwt-login not built"; exit 77; }
ROUNDS=${BENCH_ROUNDS:-10}
NHOSTS=${BENCH_HOSTS:-10}
MH_ONE_TIME=fresh
. "$top_srcdir/tests/e2e/multihost-lib.sh"
mh_require_tools
trap mh_cleanup EXIT

idp_start IDP_LOGIN_TTL=600 > /dev/null
names=(cached fresh)
for i in $(seq "$NHOSTS"); do names+=("h$i"); done
mh_setup "$ISSUER" "$CA" "${names[@]}" > /dev/null
mh_start
SSHCFG=$T/ssh_config
mh_ssh_config "$SSHCFG"
. "$E2E/client-lib.sh"
client_env "$CA"
mkdir -m 0700 "$T/secret"
cat > "$CLIENT_CONF" <<-EOF
	[provider test]
	issuer = $ISSUER
	client_id = pam-jwt-login
	scopes = openid profile groups offline_access
	ca_file = $CA
	binding = resource
	[host fresh]
	one_time = yes
	[host *]
EOF
ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
token_ok() {
	curl -sS --cacert "$CA" "$ISSUER/admin/stats" |
		"$PYTHON" -c 'import json,sys; print(sum(json.load(sys.stdin).get("token_ok", {}).values()))'
}

t0=$(ms)
"$top_builddir/pam-jwt-login" --timeout 120 > /dev/null 2> "$T/signin.err" || { echo "# sign-in failed"; cat "$T/signin.err"; exit 1; }
t1=$(ms)
jssh cached true || { echo "# first ssh failed"; exit 1; }
t2=$(ms)
browser=
for _ in $(seq 100); do # the browser notes its time once it saw the landing page
	browser=$(sed -n 's/.* \([0-9]*\) ms, chromium start \([0-9]*\) ms.*/\1 (chromium start \2)/p' \
		"$T/browser.log" 2> /dev/null | tail -1)
	[ -n "$browser" ] && break
	sleep 0.2
done
echo "sign-in to first shell:               $((t2 - t0)) ms (sign-in $((t1 - t0)) ms, of which browser automation ${browser:-?} ms; first ssh $((t2 - t1)) ms)"

"$top_builddir/pam-jwt-login" --token cached > "$T/secret/tok"
for kind in cached pasted fresh; do
	before=$(token_ok)
	for i in $(seq "$ROUNDS"); do
		s=$(ms)
		case $kind in
		cached) jssh cached true ;;
		pasted) mh_ssh_token "$SSHCFG" cached "$T/secret/tok" true > /dev/null 2>&1 ;;
		fresh) jssh fresh true ;;
		esac || echo "# $kind: a connection failed" >&2
		echo $(($(ms) - s))
	done > "$T/$kind.ms"
	rt=$(( $(token_ok) - before ))
	eval "${kind}_ms=$(median < "$T/$kind.ms")"
	eval "${kind}_rt=$rt"
done
rm -f "$T/secret/tok"
echo "ssh true, cached host token:          ${cached_ms} ms median of $ROUNDS ($cached_rt provider requests)"
echo "ssh true, pasted token (askpass file): ${pasted_ms} ms median of $ROUNDS"
echo "ssh true, fresh token (one_time host): ${fresh_ms} ms median of $ROUNDS ($fresh_rt provider requests: $(awk -v a="$fresh_rt" -v n="$ROUNDS" 'BEGIN {printf "%.1f", a / n}') per connection)"
echo "  extra per connection: cached $((cached_ms - pasted_ms)) ms, fresh $((fresh_ms - pasted_ms)) ms over a pasted token"

if command -v ansible > /dev/null && [ "$NHOSTS" -gt 0 ]; then
	printf '[hosts]\n' > "$T/inventory"
	for i in $(seq "$NHOSTS"); do echo "h$i" >> "$T/inventory"; done
	s=$(ms)
	out=$(ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_LOCAL_TEMP=$T/ansible-local timeout 300 \
		ansible -i "$T/inventory" hosts -m ping -f "$NHOSTS" \
		-e "ansible_ssh_executable=$top_builddir/pam-jwt-ssh" -e "ansible_ssh_common_args='-F $SSHCFG'" \
		-e ansible_python_interpreter=/usr/bin/python3 < /dev/null 2>&1) || true
	e=$(ms)
	echo "ansible -m ping, $NHOSTS hosts (-f $NHOSTS):     $((e - s)) ms, $(grep -c '"ping": "pong"' <<< "$out") pong"
fi
