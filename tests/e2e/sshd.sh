#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Real SSH logins end to end: the OpenID provider (oidc-provider over HTTPS
# with a test CA) issues tokens; a real sshd on 127.0.0.1 uses
# conf/pam.d/sshd as shipped; the module fetches the provider's keys itself
# through discovery on the first login; the stock OpenSSH client and
# python3-paramiko log in.
#
#   token login (keyboard-interactive + pam-jwt-askpass) -> id shows the
#   mapped user and group_map groups; a 2,500-character token through the
#   stock client in 1023-character parts and through paramiko in one piece;
#   expired, wrong-audience and other-user tokens refused with the module's
#   message on the client; a password through pam_unix; a long token over
#   the password method told it was cut short; login time token vs password.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
e2e_require_sshd
trap e2e_cleanup EXIT
idp_start
e2e_sshd
# No keys on disk yet: the first token login makes the module run the helper.
{ e2e_conf_head; echo "state_dir = $T/state"; e2e_section e2e ssh://127.0.0.1 "leeway = 0"; } > "$S/security/pam_jwt.conf"
sshd_start "$S" "$PORT"

tok alice-cli ssh://127.0.0.1 ES256 > "$T/alice.jwt"
tok alice-long ssh://127.0.0.1 > "$T/long.jwt"
tok bob-cli ssh://127.0.0.1 > "$T/bob.jwt"
tok alice-cli ssh://other.example > "$T/other-aud.jwt"
tok alice-cli 'ssh://127.0.0.1?ttl=1' > "$T/expired.jwt"
echo "# tokens: $(wc -c < "$T/alice.jwt") (ES256), $(wc -c < "$T/long.jwt") (long) characters"

login() { # TOKENFILE USER METHOD: ssh ... id, with stderr (kept in client.log)
	PAM_JWT_TOKEN_FILE=$1 sshd_login "$S" "$PORT" "$2" "$3" id 2>&1 | tee -a "$T/client.log"
}

# The newest audit line of a kind, waiting (30 s at most) for it to show
# PATTERN: the log reader may lag behind the client under load.
audit() { # KIND [PATTERN]
	local i line
	for i in $(seq 300); do
		line=$(grep -a "pam_jwt(sshd:auth): $1" "$S/authlog" | tail -1)
		grep -q -- "${2:-.}" <<< "$line" && break
		sleep 0.1
	done
	echo "$line"
}

# --- a token login, keys fetched by the module through discovery -----------
out=$(login "$T/alice.jwt" alice keyboard-interactive) || true
has "$out" "uid=4100(alice) gid=4100(alice) groups=4100(alice),.*operators" \
	"token login: id shows alice and the group_map groups"
has "$out" "developers" "token login: developers mapped too"
# What the session can see must not grant groups to a later login.
out=$(PAM_JWT_TOKEN_FILE=$T/alice.jwt sshd_login "$S" "$PORT" alice keyboard-interactive env 2>&1) || true
has "$out" "^PAM_JWT_SUB=" "session: informational PAM_JWT_SUB is there"
grep -q "^PAM_JWT_\(GROUPS\|MAC\)=" <<< "$out" && fail "session sees a group grant: $out" ||
	pass "session: no group list or MAC in the environment"
# keyboard-interactive hands the grant over through the state store; both
# logins' setcred took theirs, so none is left to replay.
has "$("$PAMJWT" status --config "$S/security/pam_jwt.conf" 2>&1 || true)" \
	"(setcred hand-offs): 0 records" "session: every grant was taken by setcred"
[ -s "$T/state/state.mdb" ] && pass "the hand-off went through the state store ($T/state)" ||
	fail "no state store in $T/state"
[ -s "$T/cache/e2e.jwks" ] && pass "first login fetched the keys through discovery" ||
	fail "no cache after the first login"
has "$(grep -a 'refresh helper' "$S/authlog")" "refresh helper succeeded" \
	"syslog shows the module's helper run"
has "$(audit accepted 'verdict=OK user="alice" mapped="alice" issuer="e2e"')" 'verdict=OK user="alice" mapped="alice" issuer="e2e"' \
	"audit line for the accepted login"

# --- 2,500 characters through the stock client, in 1023-character parts ---
len=$(wc -c < "$T/long.jwt")
[ "$len" -ge 2500 ] && pass "long token is $len characters" || fail "long token only $len"
out=$(login "$T/long.jwt" alice keyboard-interactive) || true
has "$out" "uid=4100(alice)" "stock ssh: $len-character token logs in (askpass parts)"

# --- and through paramiko in one piece ------------------------------------
out=$(timeout 30 /usr/bin/python3 "$E2E/paramiko_login.py" 127.0.0.1 "$PORT" alice \
	"$T/long.jwt" 2>&1) || true
has "$out" "uid=4100(alice)" "paramiko: $len-character token in one answer logs in"
has "$out" "prompts: Token: " "paramiko saw one Token: prompt"

# --- refused tokens: the client shows the module's message -----------------
sleep 2 # the ttl=1 token is now expired (leeway 0)
out=$(login "$T/expired.jwt" alice keyboard-interactive) || true
has "$out" "Token expired" "expired token: client shows 'Token expired'"
has "$(audit rejected "verdict=EXPIRED")" "verdict=EXPIRED" "expired token: audit line"
out=$(login "$T/other-aud.jwt" alice keyboard-interactive) || true
has "$out" "Token is not for this host" "wrong audience: client shows it"
has "$(audit rejected "verdict=WRONG_AUDIENCE")" "verdict=WRONG_AUDIENCE" "wrong audience: audit line"
out=$(login "$T/bob.jwt" alice keyboard-interactive) || true
has "$out" "Token is for another user (bob)" "bob's token for alice: client shows it"
grep -q "uid=" <<< "$out" && fail "bob's token opened a shell" || pass "bob's token: no shell"

# --- passwords still work through pam_unix --------------------------------
printf '%s' "$PASSWORD" > "$T/password"
out=$(login "$T/password" alice password) || true
has "$out" "uid=4100(alice)" "password method: pam_unix password logs in"
printf 'wrong' > "$T/wrong"
out=$(login "$T/wrong" alice password) || true
grep -q "uid=" <<< "$out" && fail "wrong password logged in" || pass "wrong password refused"

# --- a token cut by the client and not continued: the user is told -------
# An askpass that pastes the whole token at every prompt: the stock client
# cuts each answer to 1023 characters, so the continuation repeats the
# first part and the module stops there.
printf '#!/bin/sh\ncat "%s"\n' "$T/long.jwt" > "$T/cat-askpass"
chmod 0755 "$T/cat-askpass"
out=$(SSH_ASKPASS=$T/cat-askpass sshd_login "$S" "$PORT" alice keyboard-interactive id 2>&1 |
	tee -a "$T/client.log") || true
grep -q "uid=" <<< "$out" && fail "cut token logged in" || pass "keyboard-interactive: cut token refused"
has "$out" "Token was cut short by the client" "keyboard-interactive: the client shows 'cut short'"
has "$(audit rejected "verdict=TRUNCATED")" "verdict=TRUNCATED" "keyboard-interactive: audit says TRUNCATED"
# Over the password method sshd relays no PAM message on failure (only
# after a successful login), so the module's word reaches the audit log,
# and pam-jwt-askpass warns on the client before sending.
out=$(SSH_ASKPASS=$T/cat-askpass sshd_login "$S" "$PORT" alice password id 2>&1 |
	tee -a "$T/client.log") || true
grep -q "uid=" <<< "$out" && fail "cut token logged in" || pass "password method: cut token refused"
has "$(audit rejected "verdict=TRUNCATED")" "verdict=TRUNCATED" "password method: audit says TRUNCATED"
out=$(login "$T/long.jwt" alice password) || true
has "$out" "password authentication keeps 1023: use -o PreferredAuthentications=keyboard-interactive" \
	"password method: pam-jwt-askpass tells the user to use keyboard-interactive"

# --- audit hygiene: no token or signature in any log, message or file ------
# Everything this run wrote: syslog (authpriv and the rest), sshd's log, all
# the clients saw, the key cache, the module's /run state, askpass's state.
files=("$S/authlog" "$S/sshd.log" "$T/client.log")
while IFS= read -r f; do files+=("$f"); done < <(find "$T/cache" /run/pam_jwt \
	"${XDG_RUNTIME_DIR:-/nonexistent}" /tmp -maxdepth 2 -type f -newer "$T/alice.jwt" \
	! -path "$T/*.jwt" ! -path "$T/cat-askpass" ! -path "$T/password" ! -path "$T/wrong" \
	! -path "$T/idp/*" 2> /dev/null)
leaks=0 checked=0
for tf in "$T"/*.jwt; do
	tok=$(cat "$tf")
	sig=${tok##*.}
	for f in "${files[@]}"; do
		checked=$((checked + 1))
		if grep -qaF -- "$sig" "$f" || grep -qaF -- "${tok:0:200}" "$f"; then
			leaks=$((leaks + 1))
			echo "# $(basename "$tf") appears in $f"
		fi
	done
done
echo "# audit hygiene: $(ls "$T"/*.jwt | wc -l) tokens x ${#files[@]} files checked"
expect_eq "$leaks" 0 "no token or signature in syslog, sshd's log, client output or any file"
[ "$(grep -ac 'pam_jwt(sshd:auth): ' "$S/authlog")" -ge 8 ] &&
	pass "the audit lines those checks read are there" || fail "too few audit lines"

# --- login time: token vs pam_unix password, interleaved, median of 5 -----
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
tt=() pt=()
for i in 1 2 3 4 5; do
	t0=$(date +%s%N); login "$T/alice.jwt" alice keyboard-interactive > /dev/null || true; tt+=($(ms "$t0"))
	t0=$(date +%s%N); login "$T/password" alice password > /dev/null || true; pt+=($(ms "$t0"))
done
med() { printf '%s\n' "$@" | sort -n | sed -n 3p; }
echo "# ssh login + id, median of 5: token $(med "${tt[@]}") ms, pam_unix password $(med "${pt[@]}") ms (token runs: ${tt[*]}; password runs: ${pt[*]})"

finish
