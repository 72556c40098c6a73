# Sourced by tests/e2e/device_bad.sh and tests/pam/device_gate.sh (after
# tests/lib.sh): the misbehaving device-flow provider device-bad-idp.mjs on
# loopback HTTPS with a test CA.  start_bad_idp LOG starts it, logging to
# LOG ("READY PORT", then "REQ CASE ENDPOINT" per request), and sets
# BAD_IDP (its pid), PORT and CA; exits 99 when it does not come up.
start_bad_idp() {
	local _
	command -v node > /dev/null || { echo "# node missing"; exit 99; }
	"$top_srcdir/tests/tls/mkca.sh" "$T/tls" > /dev/null
	CA=$T/tls/ca.pem
	CERT=$T/tls/server.pem KEY=$T/tls/server.key node "$top_srcdir/tests/e2e/device-bad-idp.mjs" \
		> "$1" 2>&1 &
	BAD_IDP=$!
	for _ in $(seq 1800); do grep -q READY "$1" && break; sleep 0.1; done # a loaded machine
	PORT=$(sed -n 's/^READY //p' "$1")
	[ -n "$PORT" ] || { cat "$1"; echo "# bad provider did not start"; kill "$BAD_IDP"; exit 99; }
}
