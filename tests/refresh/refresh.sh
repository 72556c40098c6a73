#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Keys that stay fresh and survive outages, against Debian's nginx serving
# discovery and JWKS over HTTPS with a test CA on 127.0.0.1:
#   discovery + fetch -> cache + status; ETag/304; max-age within bounds;
#   rotation through the module's own helper run; outage and max_stale;
#   bad responses never replace the cache; cooldown under a flood of unknown
#   kids; no helper run when the module runs as a non-root user.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root (root-owned cache, helper, nginx)"; exit 77; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "# nginx missing"; exit 99; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
KEYS="$PYTHON $top_srcdir/tests/refresh/keys.py"

# Root-owned copies: the module runs the helper only from a trusted path.
mkdir -p "$T/bin" "$T/keys" "$T/www/main/.well-known" "$T/www/second" "$T/www/status" \
	"$T/pam.d" "$T/cache" "$T/nginx"
install -m 0755 "$PAMJWT" "$T/bin/pam-jwt"
install -m 0755 "$top_builddir/tests/pam/test_pam_stack" "$T/bin/test_pam_stack"
install_module "$T/bin"
DRIVER=$T/bin/test_pam_stack
bash "$top_srcdir/tests/tls/mkca.sh" "$T/tls" >/dev/null

for p in P_TLS P_HTTP P_EXPIRED P_WRONGHOST; do port_reserve "$p"; done
BASE=https://127.0.0.1:$P_TLS
ISS=$BASE/main
ISS2=$BASE/second

cat > "$T/nginx/nginx.conf" <<EOF
daemon on;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 64; }
http {
	log_format req '\$request_method \$uri \$status';
	access_log $T/nginx/access.log req;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	default_type application/json;
	etag on;
	server {
		listen 127.0.0.1:$P_TLS ssl;
		ssl_certificate $T/tls/server.pem;
		ssl_certificate_key $T/tls/server.key;
		root $T/www;
		location /main/ { add_header Cache-Control "public, max-age=600"; }
		location /second/ { add_header Cache-Control "max-age=86400"; }
		location = /status/500 { return 500; }
		location = /status/to-http { return 302 http://127.0.0.1:$P_HTTP/main/jwks.json; }
	}
	server { listen 127.0.0.1:$P_HTTP; root $T/www; }
	server {
		listen 127.0.0.1:$P_EXPIRED ssl;
		ssl_certificate $T/tls/expired.pem;
		ssl_certificate_key $T/tls/expired.key;
		root $T/www;
	}
	server {
		listen 127.0.0.1:$P_WRONGHOST ssl;
		ssl_certificate $T/tls/wronghost.pem;
		ssl_certificate_key $T/tls/wronghost.key;
		root $T/www;
	}
}
EOF
start_nginx() { env -u LD_PRELOAD "$NGINX" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" -p "$T/nginx"; }
stop_nginx() {
	local i
	[ -s "$T/nginx/nginx.pid" ] || return 0
	env -u LD_PRELOAD "$NGINX" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" -p "$T/nginx" -s stop || true
	for i in $(seq 300); do [ -e "$T/nginx/nginx.pid" ] || return 0; sleep 0.1; done
}
trap 'stop_nginx; [ -n "${KEEP_T:-}" ] || rm -rf "$T"' EXIT
start_nginx
for i in $(seq 300); do [ -s "$T/nginx/nginx.pid" ] && break; sleep 0.1; done

discovery() { # ISSUER JWKS_URI > file
	printf '{"issuer":"%s","jwks_uri":"%s","response_types_supported":["code"]}\n' "$1" "$2"
}
discovery "$ISS" "$ISS/jwks.json" > "$T/www/main/.well-known/openid-configuration"
$KEYS gen "$T/keys" k1
$KEYS gen "$T/keys" k2
$KEYS gen "$T/keys" k3
$KEYS gen "$T/keys" k4
$KEYS gen "$T/keys" stranger
$KEYS jwks "$T/keys" k1 > "$T/www/main/jwks.json"
$KEYS jwks "$T/keys" k3 > "$T/www/second/keys.json"

# Two issuers: discovery for "main", a configured jwks_uri for "second".
write_conf() { # FILE [extra lines for main]
	local f=$1
	shift
	{
		echo "cache_dir = $T/cache"
		echo "refresh_helper = $T/bin/pam-jwt"
		echo "algorithms = ES256"
		echo "audience = ssh://host.test"
		echo "ca_file = $T/tls/ca.pem"
		echo "[issuer main]"
		echo "issuer = $ISS"
		for line in "$@"; do echo "$line"; done
		echo "[issuer second]"
		echo "issuer = $ISS2"
		echo "jwks_uri = $ISS2/keys.json"
		echo "cache_ttl_min = 60"
		echo "cache_ttl_max = 200"
	} > "$f"
}
CONF=$T/jwt.conf
write_conf "$CONF"
printf 'auth required pam_permit.so\n' > "$T/pam.d/handle"
setup_nss

requests() { grep -c "^GET $1 " "$T/nginx/access.log" || true; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
meta() { sed -n "s/^$2=//p" "$T/cache/$1.meta"; }
login() { # TOKENFILE [USER]: the module's own answer on a real PAM handle
	"$DRIVER" "$T/pam.d" handle "${2:-alice}" --answer "$1" --direct "$T/bin/pam_jwt.so" \
		"config=$CONF" | sed -n 's/^module=//p'
}
refresh() { "$T/bin/pam-jwt" refresh --config "$CONF" "$@"; }

# --- discovery + fetch writes the cache; status shows it -------------------
out=$(refresh 2>&1) && rc=0 || rc=$?
expect_eq "$rc" 0 "refresh: exit 0"
grep -q "issuer main: 1 key (k1) from $ISS/jwks.json, fresh for 600 s" <<< "$out" &&
	pass "refresh reports kids, source and max-age" || fail "refresh output: $out"
expect_eq "$(requests /main/.well-known/openid-configuration)" 1 "discovery fetched once"
expect_eq "$(stat -c %a:%U "$T/cache/main.jwks")" 644:root "cache file is 0644 root"
expect_eq "$(( $(meta main expires) - $(meta main fetched) ))" 600 "max-age=600 honoured"
expect_eq "$(( $(meta second expires) - $(meta second fetched) ))" 200 \
	"max-age=86400 bounded by cache_ttl_max=200"
[ -s "$T/cache/second.jwks" ] && pass "second issuer has its own cache file" ||
	fail "no second.jwks"
status=$("$T/bin/pam-jwt" status --config "$CONF") && rc=0 || rc=$?
expect_eq "$rc" 0 "status: exit 0 with keys for every issuer"
grep -q "key: *k1 *EC P-256" <<< "$status" && grep -q "key: *k3 *EC P-256" <<< "$status" &&
	grep -q "last try: .*: ok" <<< "$status" && grep -q "fresh: *until " <<< "$status" &&
	pass "status lists kids, freshness and the last try" || fail "status: $status"
# Every "  label: value" line has its value in the same column.
misaligned=$(grep -E '^  [a-z_ ]+:' <<< "$status" |
	awk 'substr($0, 14, 1) != " " || substr($0, 15, 1) == " "' || true)
expect_eq "$misaligned" "" "status: values aligned in one column"

# Fresh cache: no request without --force; --force sends If-None-Match -> 304.
before=$(requests /main/jwks.json)
out=$(refresh --issuer main 2>&1)
grep -q "fresh for" <<< "$out" && expect_eq "$(requests /main/jwks.json)" "$before" \
	"fresh cache: refresh without --force makes no request" || fail "fresh skip: $out"
out=$(refresh --issuer main --force 2>&1)
grep -q "unchanged (304" <<< "$out" && grep -q "^GET /main/jwks.json 304" "$T/nginx/access.log" &&
	pass "--force: conditional request answered 304, cache kept" || fail "304: $out"

$KEYS token "$T/keys" k1 "$ISS" > "$T/k1.jwt"
$KEYS token "$T/keys" k3 "$ISS2" > "$T/k3.jwt"
expect_eq "$(login "$T/k1.jwt")" PAM_SUCCESS "login with a cached key (issuer main)"
expect_eq "$(login "$T/k3.jwt")" PAM_SUCCESS "login with a cached key (issuer second)"

# --- rotation: a new key appears and signs; the module's helper run fetches it
$KEYS jwks "$T/keys" k1 k2 > "$T/www/main/jwks.json"
$KEYS token "$T/keys" k2 "$ISS" > "$T/k2.jwt"
before=$(requests /main/jwks.json)
t0=$(date +%s%N)
got=$(login "$T/k2.jwt")
t1=$(date +%s%N)
expect_eq "$got" PAM_SUCCESS "rotation: new kid k2 accepted through the module's helper run"
expect_eq "$(( $(requests /main/jwks.json) - before ))" 1 "rotation: exactly one JWKS request"
refresh_ms=$(( (t1 - t0) / 1000000 ))
warm=()
for i in 1 2 3 4 5; do
	t0=$(date +%s%N); login "$T/k2.jwt" > /dev/null; t1=$(date +%s%N)
	warm+=($(( (t1 - t0) / 1000 )))
done
warm_us=$(printf '%s\n' "${warm[@]}" | sort -n | sed -n 3p)
echo "# login time: warm cache median of 5 = $warm_us us; login that had to refresh = ${refresh_ms} ms"

# --- the same from an application with descriptors 0-2 closed and its own
# SIGCHLD handler (tests/pam/closed_fds.c): the helper must still run, and
# the handler must stay and see the helper's exit (no SIGCHLD change).
install -m 0755 "$top_builddir/tests/pam/closed_fds" "$T/bin/closed_fds"
printf 'auth required %s config=%s\n' "$T/bin/pam_jwt.so" "$CONF" > "$T/pam.d/closedfds"
$KEYS gen "$T/keys" k5
$KEYS jwks "$T/keys" k1 k2 k5 > "$T/www/main/jwks.json"
$KEYS token "$T/keys" k5 "$ISS" > "$T/k5.jwt"
rm -f "$T/cache/main.stamp" # past the cooldown of the run above
before=$(requests /main/jwks.json)
"$T/bin/closed_fds" "$T/pam.d" closedfds alice "$T/k5.jwt" "$T/closed_fds.out" &&
	rc=0 || rc=$?
expect_eq "$rc" 0 "closed_fds driver ran"
expect_eq "$(cat "$T/closed_fds.out" 2> /dev/null)" "auth=PAM_SUCCESS sigchld=1 handler_kept=1" \
	"fds 0-2 closed: the helper ran (new kid k5 accepted), SIGCHLD handler kept and called"
expect_eq "$(( $(requests /main/jwks.json) - before ))" 1 "fds 0-2 closed: the helper fetched the JWKS"
# An application whose SIGCHLD handler reaps every child (xrdp-sesman's
# does): the helper's status is lost to us, what it fetched is not.
$KEYS gen "$T/keys" k6
$KEYS jwks "$T/keys" k1 k2 k6 > "$T/www/main/jwks.json"
$KEYS token "$T/keys" k6 "$ISS" > "$T/k6.jwt"
rm -f "$T/cache/main.stamp"
"$T/bin/closed_fds" "$T/pam.d" closedfds alice "$T/k6.jwt" "$T/closed_fds.out" reap || true
expect_eq "$(cut -d' ' -f1,3 "$T/closed_fds.out" 2> /dev/null)" "auth=PAM_SUCCESS handler_kept=1" \
	"a handler that reaps every child: the helper's fetch is still used (new kid k6)"

# --- bad responses: the cache stays, the error is clear ---------------------
good=$(sha "$T/cache/main.jwks")
bad_case() { # DESCRIPTION EXPECTED-ERROR-PATTERN [config lines]
	local what=$1 pattern=$2 out rc
	shift 2
	write_conf "$T/bad.conf" "$@"
	out=$("$T/bin/pam-jwt" refresh --config "$T/bad.conf" --issuer main --force 2>&1) && rc=0 || rc=$?
	if [ "$rc" = 1 ] && grep -q "refresh failed, keeping the cached keys: .*$pattern" <<< "$out" &&
		[ "$(sha "$T/cache/main.jwks")" = "$good" ] &&
		grep -q "$pattern" "$T/cache/main.meta"; then
		pass "$what: exit 1, cache unchanged, error recorded"
		echo "#   ${out#*keeping the cached keys: }"
	else
		fail "$what (rc $rc): $out"
	fi
}
cp "$T/www/main/jwks.json" "$T/good.json"
bad_case "HTTP 500" "HTTP 500" "jwks_uri = $BASE/status/500"
echo '<html>Service Unavailable</html>' > "$T/www/main/jwks.json"
bad_case "non-JSON body" "not a JWKS"
echo '{"keys":[]}' > "$T/www/main/jwks.json"
bad_case "empty keys" "no usable key in the set (0 offered)"
$KEYS jwks "$T/keys" k1 | "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); d["pad"]="x"*(2<<20); print(json.dumps(d))' \
	> "$T/www/main/jwks.json"
bad_case "2 MiB body" "larger than 1048576 bytes"
cp "$T/good.json" "$T/www/main/jwks.json"
"$PYTHON" - "$T/www/main/jwks.json" > "$T/www/main/weak.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["keys"] = [{"kty": "RSA", "kid": "weak", "n": "AQAB" * 40, "e": "AQAB"},
             {"kty": "EC", "kid": "enc", "use": "enc", **{k: d["keys"][0][k] for k in ("crv", "x", "y")}}]
print(json.dumps(d))
PYEOF
bad_case "only unusable keys" "no usable key in the set (2 offered)" "jwks_uri = $ISS/weak.json"
discovery "$ISS" "http://127.0.0.1:$P_HTTP/main/jwks.json" > "$T/www/main/.well-known/openid-configuration"
bad_case "discovery points at plain http" "discovery has no https jwks_uri"
discovery "$ISS" "$ISS/jwks.json" > "$T/www/main/.well-known/openid-configuration"
bad_case "redirect to plain http" "redirected to a URL that is not https://" "jwks_uri = $BASE/status/to-http"
discovery "https://evil.test/main" "$ISS/jwks.json" > "$T/www/main/.well-known/openid-configuration"
bad_case "discovery names another issuer" "discovery names issuer .https://evil.test/main."
discovery "$ISS" "$ISS/jwks.json" > "$T/www/main/.well-known/openid-configuration"
bad_case "expired certificate" "certificate has expired" "jwks_uri = https://127.0.0.1:$P_EXPIRED/main/jwks.json"
bad_case "wrong-host certificate" "subject name matches target host name" "jwks_uri = https://127.0.0.1:$P_WRONGHOST/main/jwks.json"
write_conf "$T/bad.conf" "jwks_uri = http://127.0.0.1:$P_HTTP/main/jwks.json"
out=$("$T/bin/pam-jwt" refresh --config "$T/bad.conf" 2>&1) && rc=0 || rc=$?
expect_eq "$rc" 2 "plain-http jwks_uri in the config: configuration error (exit 2)"
grep -q "not https://" <<< "$out" || fail "plain-http config message: $out"
status=$("$T/bin/pam-jwt" status --config "$CONF")
grep -q "last try: .*wronghost\|last try: .*127.0.0.1" <<< "$status" &&
	pass "status shows the last refresh error" || fail "status after failure: $status"
out=$(refresh --issuer main --force 2>&1) || true
[ "$(meta main error)" = "" ] && pass "a good refresh clears the recorded error" ||
	fail "error not cleared: $out"

# --- a provider's text reaches the terminal cleaned: jwks_uri with C1 controls
# (U+009B is CSI, as ESC [ is) and C0 ones, as JSON escapes and as raw UTF-8
ctl_free() { # FILE: no C0 but newline, no DEL, no C1 raw or UTF-8 encoded
	LC_ALL=C grep -c -P '[\x00-\x09\x0b-\x1f\x7f-\x9f]|\xc2[\x80-\x9f]' "$1" || true
}
# C1 only (what curl fetches: it drops the fragment): the success line.
printf '{"issuer":"%s","jwks_uri":"%s#\\u009b2J\xc2\x9b0m\xc2\x85x"}\n' "$ISS" "$ISS/jwks.json" \
	> "$T/www/main/.well-known/openid-configuration"
LC_ALL=C grep -q 'u009b' "$T/www/main/.well-known/openid-configuration" &&
	LC_ALL=C grep -qP '\xc2\x85' "$T/www/main/.well-known/openid-configuration" ||
	fail "the hostile discovery document was not written as meant"
out=$(refresh --issuer main --force 2>&1) && rc=0 || rc=$?
printf '%s\n' "$out" > "$T/c1.all"
expect_eq "$rc" 0 "jwks_uri with C1 controls in its fragment: fetched"
grep -qF "from $ISS/jwks.json#?2J?0m?x, fresh" "$T/c1.all" &&
	pass "refresh prints that URI with each C1 control as one '?'" || fail "refresh: $out"
"$T/bin/pam-jwt" status --config "$CONF" >> "$T/c1.all" 2>&1 || true
# C0 and DEL as well (curl refuses such a URL: the error line).
printf '{"issuer":"%s","jwks_uri":"%s#\\u001b]0;owned\\u0007\\u007f\xc2\x9b"}\n' "$ISS" "$ISS/jwks.json" \
	> "$T/www/main/.well-known/openid-configuration"
out=$(refresh --issuer main --force 2>&1) || true
printf '%s\n' "$out" >> "$T/c1.all"
grep -qF "#?]0;owned???" <<< "$out" && pass "the error line shows ESC, BEL, DEL and C1 as '?'" ||
	fail "refresh with C0 in jwks_uri: $out"
"$T/bin/pam-jwt" status --config "$CONF" >> "$T/c1.all" 2>&1 || true
expect_eq "$(ctl_free "$T/c1.all")" 0 "no C0, DEL or C1 byte in refresh and status output"
discovery "$ISS" "$ISS/jwks.json" > "$T/www/main/.well-known/openid-configuration"
refresh --issuer main --force > /dev/null 2>&1 || true

# --- revoked_uri: fetched like keys, validated before it is written ---------
printf 'jti %s\n' "$("$PYTHON" -c 'import sys,json,base64; p=open(sys.argv[1]).read().split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4)))["jti"])' "$T/k1.jwt")" \
	> "$T/www/main/revoked.txt"
write_conf "$T/rev.conf" "revoked_uri = $ISS/revoked.txt"
out=$("$T/bin/pam-jwt" refresh --config "$T/rev.conf" --issuer main 2>&1) && rc=0 || rc=$?
expect_eq "$rc" 0 "revoked_uri: fetched ($out)"
cmp -s "$T/www/main/revoked.txt" "$T/cache/main.revoked" && pass "revocation list cached" ||
	fail "main.revoked differs"
got=$("$DRIVER" "$T/pam.d" handle alice --answer "$T/k1.jwt" --direct "$T/bin/pam_jwt.so" \
	"config=$T/rev.conf" | sed -n 's/^module=//p')
expect_eq "$got" PAM_AUTH_ERR "revoked_uri: the listed token is refused"
expect_eq "$(login "$T/k2.jwt")" PAM_SUCCESS "another token of the same issuer still logs in"
echo 'revoke everything please' > "$T/www/main/revoked.txt"
out=$("$T/bin/pam-jwt" refresh --config "$T/rev.conf" --issuer main 2>&1) && rc=0 || rc=$?
expect_eq "$rc" 1 "revoked_uri: a malformed list is not taken"
grep -q "keeping the old one: .*line 1" <<< "$out" && grep -q '^jti ' "$T/cache/main.revoked" &&
	pass "malformed list: old list kept, error names the line" || fail "malformed list: $out"

# --- outage: the provider is down ------------------------------------------
stop_nginx
expect_eq "$(login "$T/k1.jwt")" PAM_SUCCESS "outage: cached keys still log in"
out=$(refresh --issuer main --force 2>&1) && rc=0 || rc=$?
expect_eq "$rc" 1 "outage: refresh exits 1"
grep -q "keeping the cached keys" <<< "$out" || fail "outage refresh message: $out"
now=$(date +%s)
age_meta() { # FETCHED-AGO EXPIRED-AGO (seconds)
	sed -i -e "s/^fetched=.*/fetched=$((now - $1))/" -e "s/^expires=.*/expires=$((now - $2))/" \
		"$T/cache/main.meta"
}
age_meta $((3 * 86400)) $((2 * 86400))
expect_eq "$(login "$T/k1.jwt")" PAM_SUCCESS "outage: expired 2 days ago, within max_stale (7 d)"
age_meta $((9 * 86400)) $((8 * 86400))
out=$("$DRIVER" "$T/pam.d" handle alice --answer "$T/k1.jwt" --direct "$T/bin/pam_jwt.so" \
	"config=$CONF")
expect_eq "$(sed -n 's/^module=//p' <<< "$out")" PAM_AUTHINFO_UNAVAIL \
	"outage: expired 8 days ago, beyond max_stale: PAM_AUTHINFO_UNAVAIL"
grep -q "^msg: .*" <<< "$out" || fail "no message for the user: $out"
"$T/bin/pam-jwt" status --config "$CONF" > "$T/status.out" && rc=0 || rc=$?
expect_eq "$rc" 1 "status exits 1 when an issuer has no usable keys"
grep -q "beyond max_stale" "$T/status.out" || fail "status: $(cat "$T/status.out")"

# --- cooldown: 50 tokens with random kids make at most one JWKS request ----
# (a cooldown of an hour: on a loaded machine -- make -j4 check on two
# cores -- the 50 logins can take longer than the default minute)
write_conf "$CONF" "refresh_cooldown = 3600"
start_nginx
for i in $(seq 300); do [ -s "$T/nginx/nginx.pid" ] && break; sleep 0.1; done
refresh --issuer main --force > /dev/null 2>&1
rm -f "$T/cache/main.stamp"
: > "$T/nginx/access.log"
$KEYS flood "$T/keys" stranger "$ISS" 50 > "$T/flood.txt"
bad=0
t0=$(date +%s%N)
while read -r tok; do
	printf '%s' "$tok" > "$T/flood.jwt"
	[ "$(login "$T/flood.jwt")" = PAM_AUTH_ERR ] || bad=$((bad + 1))
done < "$T/flood.txt"
t1=$(date +%s%N)
expect_eq "$bad" 0 "cooldown: all 50 random-kid tokens refused"
n=$(requests /main/jwks.json)
echo "# cooldown: 50 logins with unknown kids in $(( (t1 - t0) / 1000000 )) ms -> $n JWKS request(s), $(requests /main/.well-known/openid-configuration) discovery request(s)"
[ "$n" -le 1 ] && pass "cooldown: at most one JWKS request ($n)" || fail "cooldown: $n requests"
expect_eq "$n" 1 "cooldown: the first unknown kid did run the helper"
write_conf "$CONF"

# --- not root: read the cache, never run the helper ------------------------
rm -f "$T/cache/main.stamp"
$KEYS jwks "$T/keys" k1 k2 k4 > "$T/www/main/jwks.json"
$KEYS token "$T/keys" k4 "$ISS" > "$T/k4.jwt"
chmod 0644 "$T"/*.jwt
: > "$T/nginx/access.log"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
got=$(as_nobody "$DRIVER" "$T/pam.d" handle alice --answer "$T/k1.jwt" \
	--direct "$T/bin/pam_jwt.so" "config=$CONF" | sed -n 's/^module=//p')
expect_eq "$got" PAM_SUCCESS "non-root: a cached key still logs in"
got=$(as_nobody "$DRIVER" "$T/pam.d" handle alice --answer "$T/k4.jwt" \
	--direct "$T/bin/pam_jwt.so" "config=$CONF" | sed -n 's/^module=//p')
expect_eq "$got" PAM_AUTH_ERR "non-root: unknown kid refused"
expect_eq "$(wc -l < "$T/nginx/access.log")" 0 "non-root: the helper made no request"
[ ! -e "$T/cache/main.stamp" ] && pass "non-root: no cooldown stamp written" ||
	fail "non-root wrote a stamp"
expect_eq "$(login "$T/k4.jwt")" PAM_SUCCESS "the same token as root: helper fetches k4"

finish
