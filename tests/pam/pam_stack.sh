#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The module inside real libpam stacks (pam_start_confdir): every PAM code
# of DESIGN.md's table, stacking in front of pam_unix with a real password,
# setcred groups on both sshd paths, and what the user is told.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root (setgroups, pam_unix, mount namespaces)"; exit 77; }
DRIVER=$top_builddir/tests/pam/test_pam_stack
V=$T/live
mkdir -p "$V" "$T/pam.d"
REAL=pamjwt-t$$
"$PYTHON" "$top_srcdir/tests/pam/mint_live.py" "$V" "$REAL"

{ echo "state_dir = $T/state"; test_issuer "$V/jwks.json" "groups_claim = groups" "group_map = ops operators,wheel" \
	"group_map = developers developers" "group_map = nobody-maps-this no-such-local-group"; } > "$T/jwt.conf"
sed "s|jwks_file = .*|jwks_file = $T/missing.jwks|" "$T/jwt.conf" > "$T/nokeys.conf"
printf 'auth required pam_permit.so\n' > "$T/pam.d/handle"
printf 'auth required %s config=%s\naccount required %s\n' "$MODULE" "$T/jwt.conf" "$MODULE" \
	> "$T/pam.d/jwt"
printf 'auth sufficient %s config=%s\nauth required pam_unix.so try_first_pass\n' \
	"$MODULE" "$T/jwt.conf" > "$T/pam.d/stack"

# direct CASE USER ARGS: the module's own return code on a real PAM handle
direct() {
	under_valgrind "$DRIVER" "$T/pam.d" handle "$2" --answer "$V/$1.jwt" --direct "$MODULE" "$3"
}

setup_nss
A="config=$T/jwt.conf"
expect_eq "$(direct ok alice "$A" | code_of module)" PAM_SUCCESS "valid token: PAM_SUCCESS"
expect_eq "$(direct ok_rsa alice "$A" | code_of module)" PAM_SUCCESS "RS256 token: PAM_SUCCESS"
printf 'hunter2' > "$V/password.jwt"
expect_eq "$(direct password alice "$A" | code_of module)" PAM_IGNORE "a password: PAM_IGNORE"
out=$(direct expired alice "$A")
expect_eq "$(code_of module <<< "$out")" PAM_AUTH_ERR "expired: PAM_AUTH_ERR"
has "$out" "^msg: Token expired" "user told the token expired"
out=$(direct wrong_aud alice "$A")
expect_eq "$(code_of module <<< "$out")" PAM_AUTH_ERR "wrong audience: PAM_AUTH_ERR"
has "$out" "^msg: Token is not for this host" "user told: not for this host"
out=$(direct other_user alice "$A")
expect_eq "$(code_of module <<< "$out")" PAM_AUTH_ERR "token of bob for alice: PAM_AUTH_ERR"
has "$out" "^msg: Token is for another user (bob)" "user told: another user"
out=$(direct truncated alice "$A")
expect_eq "$(code_of module <<< "$out")" PAM_AUTH_ERR "1023-character cut token: PAM_AUTH_ERR"
has "$out" "^msg: Token was cut short by the client (1023 characters" "user told: cut short"
expect_eq "$(direct bad_sig alice "$A" | code_of module)" PAM_AUTH_ERR "bad signature: PAM_AUTH_ERR"
expect_eq "$(direct root root "$A" | code_of module)" PAM_AUTH_ERR "root: PAM_AUTH_ERR"
expect_eq "$(direct mallory mallory "$A" | code_of module)" PAM_USER_UNKNOWN \
	"no such local user: PAM_USER_UNKNOWN"
expect_eq "$(direct ok alice "config=$T/nokeys.conf" | code_of module)" PAM_AUTHINFO_UNAVAIL \
	"no keys: PAM_AUTHINFO_UNAVAIL"
expect_eq "$(direct ok alice "config=$T/absent.conf" | code_of module)" PAM_SERVICE_ERR \
	"unreadable config: PAM_SERVICE_ERR"
expect_eq "$(direct password alice "config=$T/absent.conf" | code_of module)" PAM_IGNORE \
	"a password still falls through when the config is broken"
expect_eq "$(direct ok alice "$A bogus_option" | code_of module)" PAM_SERVICE_ERR \
	"unknown module option: PAM_SERVICE_ERR"
# cache_dir writable by others (sticky or not) is refused: anyone could plant
# the lock, stamp or metadata files there.  The same cache in a 0755 dir works.
for d in good sticky; do
	mkdir -p "$T/cache-$d"
	cp "$V/jwks.json" "$T/cache-$d/fetched.jwks"
	printf 'source=https://idp.test/jwks\nfetched=%s\nexpires=%s\nattempt=%s\n' \
		"$(date +%s)" "$(( $(date +%s) + 3600 ))" "$(date +%s)" > "$T/cache-$d/fetched.meta"
	printf 'cache_dir = %s/cache-%s\nrefresh_helper = /bin/false\n[issuer fetched]\nissuer = https://idp.test/realm\naudience = ssh://host.test\njwks_uri = https://idp.test/jwks\n' \
		"$T" "$d" > "$T/cache-$d.conf"
done
chmod 0755 "$T/cache-good"; chmod 1777 "$T/cache-sticky"
expect_eq "$(direct ok alice "config=$T/cache-good.conf" | code_of module)" PAM_SUCCESS \
	"fetched keys in a root-only cache_dir: PAM_SUCCESS"
expect_eq "$(direct ok alice "config=$T/cache-sticky.conf" | code_of module)" PAM_AUTHINFO_UNAVAIL \
	"sticky world-writable cache_dir refused: PAM_AUTHINFO_UNAVAIL"
[ -e "$T/cache-sticky/fetched.stamp" ] && fail "a stamp was created in the sticky cache_dir" ||
	pass "nothing created in the sticky cache_dir"

# A malformed user_map_file denies every token (PAM_SERVICE_ERR, the line in
# the reason); the same map well formed, with comments, logs in.
printf 'alice alice   # Alice\nbob\n' > "$T/users.bad"
printf '# identities\nalice alice   # Alice\n\nbob bob\n' > "$T/users.good"
for m in bad good; do
	sed "/^groups_claim/i user_map_file = $T/users.$m" "$T/jwt.conf" > "$T/map-$m.conf"
done
expect_eq "$(direct ok alice "config=$T/map-bad.conf" | code_of module)" PAM_SERVICE_ERR \
	"malformed user_map_file: PAM_SERVICE_ERR for a valid token"
expect_eq "$(direct ok alice "config=$T/map-good.conf" | code_of module)" PAM_SUCCESS \
	"well-formed user_map_file with comments: PAM_SUCCESS"
printf 'jti x\nsub\n' > "$T/revoked.bad"
sed "/^groups_claim/i revoked_file = $T/revoked.bad" "$T/jwt.conf" > "$T/rev-bad.conf"
expect_eq "$(direct ok alice "config=$T/rev-bad.conf" | code_of module)" PAM_SERVICE_ERR \
	"malformed revocation list: PAM_SERVICE_ERR for a valid token"

# An accepted token is not left in PAM_AUTHTOK for the modules after it:
# pam_exec expose_authtok has to ask again (a second prompt) for a token,
# and gets the typed password handed on without asking.
printf '#!/bin/sh\ncat > /dev/null\n' > "$T/eat.sh"; chmod 0755 "$T/eat.sh"
printf 'auth required %s config=%s\nauth optional pam_exec.so expose_authtok %s\n' \
	"$MODULE" "$T/jwt.conf" "$T/eat.sh" > "$T/pam.d/after"
out=$(under_valgrind "$DRIVER" "$T/pam.d" after alice --answer "$V/ok.jwt")
expect_eq "$(grep -c '^prompt:' <<< "$out")" 2 "accepted token: PAM_AUTHTOK cleared (the next module asks again)"
out=$(under_valgrind "$DRIVER" "$T/pam.d" after alice --answer "$V/password.jwt")
expect_eq "$(grep -c '^prompt:' <<< "$out")" 1 "a password is still handed on (one prompt)"

out=$(direct ok alice "$A use_first_pass")
expect_eq "$(code_of module <<< "$out")" PAM_IGNORE "use_first_pass without PAM_AUTHTOK: PAM_IGNORE"
expect_eq "$(grep -c '^prompt:' <<< "$out")" 0 "use_first_pass never prompts"

# Long tokens through a client that cuts answers at 1023 characters.
out=$(under_valgrind "$DRIVER" "$T/pam.d" jwt alice --answer "$V/long.jwt" --chunk 1023)
expect_eq "$(code_of auth <<< "$out")" PAM_SUCCESS "$(wc -c < "$V/long.jwt")-character token in 1023-character parts"
expect_eq "$(grep -c '^prompt: Token (continued): ' <<< "$out")" 2 "two continuation prompts"
out=$(under_valgrind "$DRIVER" "$T/pam.d" jwt alice --answer "$V/truncated.jwt")
expect_eq "$(code_of auth <<< "$out")" PAM_AUTH_ERR "password method repeats the cut token: refused"
expect_eq "$(grep -c '^prompt: Token (continued): ' <<< "$out")" 1 "asked once, repeat ends it"
has "$out" "^msg: Token was cut short by the client (1023 characters" "and told it was cut short"
head -c 600 "$V/long.jwt" > "$V/half.jwt"
out=$(under_valgrind "$DRIVER" "$T/pam.d" jwt alice --answer "$V/half.jwt" --chunk 5000)
expect_eq "$(grep -c '^prompt: Token (continued): ' <<< "$out")" 1 "incomplete token asks for more"
expect_eq "$(code_of auth <<< "$out")" PAM_AUTH_ERR "empty continuation ends it: refused"

# Through the stack, with setcred: supplementary groups from group_map.
out=$(under_valgrind "$DRIVER" "$T/pam.d" jwt alice --answer "$V/ok.jwt" --setcred)
expect_eq "$(code_of auth <<< "$out")" PAM_SUCCESS "stack: token accepted"
has "$out" "^prompt: Token: " "prompt is 'Token: '"
expect_eq "$(code_of setcred <<< "$out")" PAM_SUCCESS "setcred succeeds"
groups=$(code_of groups <<< "$out")
for g in operators wheel developers; do
	case " $groups " in *" $g "*) pass "setcred added $g" ;; *) fail "group $g missing: $groups" ;; esac
done
expect_eq "$(code_of env_sub <<< "$out")" alice "PAM_JWT_SUB exported"
has_not() { if grep -q "$2" <<< "$1"; then fail "$3: $1"; else pass "$3"; fi; }
has_not "$out" "^env: PAM_JWT_GRANT=" "same process: no grant left in the environment after setcred"
has_not "$out" "^env: PAM_JWT_\(GROUPS\|MAC\)=" "no group list or MAC in the environment"
out=$(under_valgrind "$DRIVER" "$T/pam.d" jwt alice --answer "$V/ok.jwt" --acct)
expect_eq "$(code_of acct <<< "$out")" PAM_SUCCESS "acct_mgmt: PAM_SUCCESS after this handle's token login"
has_not "$out" "^env: PAM_JWT_GRANT=" "same process: no grant recorded at all (pam data only)"
# A server that served a login itself, then forks a worker that runs its
# own whole transaction: the worker ran pam_start, so it is "the same
# process" too (pam_jwt_core.so stays loaded across the fork; the shim that
# notes the pam_start process loads anew).
out=$(under_valgrind "$DRIVER" "$T/pam.d" jwt alice --answer "$V/ok.jwt" --acct --prefork)
expect_eq "$(code_of warm_auth <<< "$out")" PAM_SUCCESS "prefork: the parent's own login"
expect_eq "$(code_of acct <<< "$out")" PAM_SUCCESS "prefork: the worker's login"
has_not "$out" "^env: PAM_JWT_GRANT=" "prefork: the worker ran pam_start: no grant recorded"
out=$(under_valgrind "$DRIVER" "$T/pam.d" jwt alice --answer "$V/ok.jwt" --setcred --split --prefork)
case " $(code_of groups <<< "$out") " in *" operators "*) pass "prefork + split: groups handed over" ;;
	*) fail "prefork + split: $out" ;; esac
grep -q "^child_env: PAM_JWT_GRANT=" <<< "$out" &&
	pass "prefork + split: the authenticating child recorded a grant" ||
	fail "prefork + split: no grant recorded: $out"
# The shim without its core: refused (PAM_SERVICE_ERR), logged; no crash.
mkdir -p "$T/shimonly"
install -m 0644 "$MODULE" "$T/shimonly/pam_jwt.so"
out=$("$DRIVER" "$T/pam.d" jwt alice --answer "$V/ok.jwt" --direct "$T/shimonly/pam_jwt.so" \
	"config=$T/jwt.conf" 2>&1)
expect_eq "$(code_of module <<< "$out")" PAM_SERVICE_ERR "pam_jwt.so without pam_jwt_core.so: PAM_SERVICE_ERR"

# sshd keyboard-interactive: authenticate in a child, only the environment returns.
out=$(under_valgrind "$DRIVER" "$T/pam.d" jwt alice --answer "$V/ok.jwt" --setcred --split)
expect_eq "$(code_of setcred <<< "$out")" PAM_SUCCESS "split: setcred from the one-time grant"
case " $(code_of groups <<< "$out") " in *" operators "*) pass "split: groups added" ;;
	*) fail "split: $out" ;; esac
has_not "$out" "^env: PAM_JWT_GRANT=" "split: the grant is out of the environment after setcred"
grant=$(sed -n 's/^child_env: \(PAM_JWT_GRANT=.*\)/\1/p' <<< "$out")
case $grant in PAM_JWT_GRANT=????????????????????????????????????????????????????????????????) pass "split: the child handed back a 64-hex grant" ;;
	*) fail "split: no grant handed back: $out" ;; esac
out=$(under_valgrind "$DRIVER" "$T/pam.d" jwt alice --answer "$V/ok.jwt" --setcred --split --tamper)
case " $(code_of groups <<< "$out") " in *" operators "*|*" root "*) fail "tampered grant granted groups: $out" ;;
	*) pass "split: a changed PAM_JWT_GRANT grants nothing" ;; esac
out=$(under_valgrind "$DRIVER" "$T/pam.d" jwt alice --answer "$V/password.jwt" --setcred)
case " $(code_of groups <<< "$out") " in *" operators "*|*" wheel "*) fail "password login got groups: $out" ;;
	*) pass "password login: setcred adds no groups" ;; esac

# The grant the session could see, replayed into a later password login
# (pam_env user_readenv=1 before pam_jwt's setcred): nothing.
printf '%s\nPAM_JWT_GROUPS=operators wheel\nPAM_JWT_MAC=%s:%064d\n' "$grant" "$(date +%s)" 0 > "$V/replay.env"
out=$(under_valgrind "$DRIVER" "$T/pam.d" jwt alice --no-auth --env "$V/replay.env" --setcred --acct)
case " $(code_of groups <<< "$out") " in *" operators "*|*" wheel "*) fail "replayed grant gave groups: $out" ;;
	*) pass "replayed grant (already consumed) gives no groups" ;; esac
# (pam_jwt alone in "account": its PAM_IGNORE makes libpam deny)
expect_eq "$(code_of acct <<< "$out")" PAM_PERM_DENIED "acct_mgmt grants nothing on a replayed grant"
# A grant nobody consumed yet (authenticate only) serves neither another
# user nor a second use.
out=$(under_valgrind "$DRIVER" "$T/pam.d" jwt alice --answer "$V/ok.jwt" --split)
grant=$(sed -n 's/^child_env: \(PAM_JWT_GRANT=.*\)/\1/p' <<< "$out")
printf '%s\n' "$grant" > "$V/fresh.env"
out=$(under_valgrind "$DRIVER" "$T/pam.d" jwt bob --no-auth --env "$V/fresh.env" --setcred --acct)
case " $(code_of groups <<< "$out") " in *" operators "*|*" wheel "*) fail "alice's grant gave bob groups: $out" ;;
	*) pass "a grant for alice gives bob nothing" ;; esac
expect_eq "$(code_of acct <<< "$out")" PAM_PERM_DENIED "acct_mgmt grants bob nothing"
out=$(under_valgrind "$DRIVER" "$T/pam.d" jwt alice --no-auth --env "$V/fresh.env" --setcred)
case " $(code_of groups <<< "$out") " in *" operators "*|*" wheel "*) fail "grant used after another's attempt consumed it: $out" ;;
	*) pass "a grant is consumed by the first setcred that names it, whoever it was for" ;; esac
# Take-once under a race: setcred A is held (strace) for 5 s in the write
# that commits its take of the grant; setcred B runs meanwhile.  Exactly
# one may add the groups: a take that reads the record before owning it
# could give both.
out=$("$DRIVER" "$T/pam.d" jwt alice --answer "$V/ok.jwt" --split)
sed -n 's/^child_env: \(PAM_JWT_GRANT=.*\)/\1/p' <<< "$out" > "$V/race.env"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	timeout 60 strace -f -qq -o "$V/race.trace" -e trace=pwrite64,pwritev \
	-e inject=pwrite64,pwritev:delay_enter=5000000 \
	"$DRIVER" "$T/pam.d" jwt alice --no-auth --env "$V/race.env" --setcred > "$V/race.a" 2>&1 &
racer=$!
for _ in $(seq 300); do grep -q 'pwrite' "$V/race.trace" 2> /dev/null && break; sleep 0.1; done
"$DRIVER" "$T/pam.d" jwt alice --no-auth --env "$V/race.env" --setcred > "$V/race.b" 2>&1
wait "$racer"
won=$(cat "$V/race.a" "$V/race.b" | grep -c '^groups=.*operators' || true)
expect_eq "$won" 1 "two setcred calls racing for one grant: exactly one adds the groups"
expect_eq "$(stat -c %a "$T/state")" 700 "state directory (grants) is root-only"
expect_eq "$(stat -c %a:%U "$T/state/state.mdb")" 600:root "state store is 0600 root"
unset LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP

# In front of pam_unix: a local user with a real password hash, seen through
# private copies of /etc/passwd and /etc/shadow in a mount namespace (no
# useradd: renaming /etc files would also detach other tests' bind mounts).
mkdir -p "$T/etc"
cp /etc/passwd /etc/group /etc/shadow "$T/etc/"
echo "$REAL:x:4712:4712::/tmp:/usr/sbin/nologin" >> "$T/etc/passwd"
echo "$REAL:x:4712:" >> "$T/etc/group"
echo "$REAL:$(openssl passwd -6 'Correct horse 9'):19000:0:99999:7:::" >> "$T/etc/shadow"
printf '#!/bin/bash\nfor f in passwd group shadow; do mount --bind "%s/etc/$f" /etc/$f; done\nexec "$@"\n' \
	"$T" > "$T/in-ns.sh"
chmod +x "$T/in-ns.sh"
in_ns() { unshare --mount --propagation private "$T/in-ns.sh" "${VG[@]}" "$DRIVER" "$@"; }
printf 'Correct horse 9' > "$V/pw_good.jwt"
printf 'wrong' > "$V/pw_bad.jwt"
out=$(in_ns "$T/pam.d" stack "$REAL" --answer "$V/pw_good.jwt")
expect_eq "$(code_of auth <<< "$out")" PAM_SUCCESS "stack: password falls through to pam_unix"
expect_eq "$(grep -c '^prompt:' <<< "$out")" 1 "one prompt serves token and password"
out=$(in_ns "$T/pam.d" stack "$REAL" --answer "$V/pw_bad.jwt")
expect_eq "$(code_of auth <<< "$out")" PAM_AUTH_ERR "stack: wrong password refused by pam_unix"
out=$(in_ns "$T/pam.d" stack "$REAL" --answer "$V/real.jwt")
expect_eq "$(code_of auth <<< "$out")" PAM_SUCCESS "stack: token for the real user"
out=$(in_ns "$T/pam.d" stack "$REAL" --answer "$V/ok.jwt")
expect_eq "$(code_of auth <<< "$out")" PAM_AUTH_ERR "stack: alice's token does not open $REAL"

# Code-shaped passwords reach pam_unix through the shipped stanzas (sshd,
# xrdp-sesman) and the pam-auth-update profile, with desktop codes on and a
# code store on the host: only a live code is pam_jwt's answer.
{ cat "$T/jwt.conf"; echo "desktop_codes = yes"; } > "$T/codes.conf"
sed -i "1i desktop_code_dir = $T/desktop" "$T/codes.conf"
mkdir -m 0700 "$T/desktop"
mkdir -p "$T/shipped"
cp -a /etc/pam.d/. "$T/shipped/"
ours="$MODULE config=$T/codes.conf"
for svc in sshd xrdp-sesman; do
	sed "s|pam_jwt\.so|$ours|" "$top_srcdir/conf/pam.d/$svc" > "$T/shipped/$svc"
done
# what pam-auth-update writes for the profile (priority 900, before pam_unix)
init=$(sed -n '/^Auth-Initial:/,/^[A-Z]/{s/^[[:space:]]\+//p}' "$top_srcdir/debian/pam-configs/jwt" |
	sed 's/success=end/success=2/')
printf 'auth %s\nauth [success=1 default=ignore] pam_unix.so nullok try_first_pass\nauth requisite pam_deny.so\nauth required pam_permit.so\n' \
	"${init/pam_jwt.so/$ours}" > "$T/shipped/common-auth"
printf '@include common-auth\n' > "$T/shipped/profile"
grep -q "pam_jwt.so\|$MODULE" "$T/shipped/common-auth" || fail "profile not rendered: $(cat "$T/shipped/common-auth")"
shaped=0
for pw in KX7MQ2WPZ9RTV4NH Kx7mQ2wPz9RtV4nH kx7m-q2wp-z9rt-v4nh 'happy days are here' 'HAPP-YDAY-SARE-HERE'; do
	sed -i "/^$REAL:/d" "$T/etc/shadow"
	echo "$REAL:$(openssl passwd -6 "$pw"):19000:0:99999:7:::" >> "$T/etc/shadow"
	printf '%s' "$pw" > "$V/pw_shaped"
	for svc in sshd xrdp-sesman profile; do
		out=$(in_ns "$T/shipped" "$svc" "$REAL" --answer "$V/pw_shaped")
		expect_eq "$(code_of auth <<< "$out")" PAM_SUCCESS "$svc: the password '$pw' reaches pam_unix"
		shaped=$((shaped + 1))
	done
done
expect_eq "$shaped" 15 "15 code-shaped password logins tried"
printf 'KX7M-Q2WP-Z9RT-V4NX' > "$V/pw_shaped_bad"
out=$(in_ns "$T/shipped" sshd "$REAL" --answer "$V/pw_shaped_bad")
expect_eq "$(code_of auth <<< "$out")" PAM_AUTH_ERR "sshd: a wrong code-shaped password is still refused"
finish
