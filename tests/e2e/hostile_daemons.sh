#!/bin/bash
# Issue 12's hostile credentials against the real daemons, each with the
# shipped conf/pam.d stanza, in a private mount namespace, loopback only:
#   sshd (tests/e2e/lib.sh): the header crasher (crit [null] and
#   relatives) and signed tokens with an empty group, over keyboard-
#   interactive (paramiko) and the password method (stock ssh + askpass);
#   xrdp-sesman driven by xrdp-sesrun: the crashers and a compact token with
#   an empty group.
# After every hostile credential, with the client gone: the module wrote its
# "rejected" audit line, the daemon (sshd's listener, sesman) is alive, no
# process of the daemon burns CPU (utime+stime of it and all its children,
# two samples 2 s apart), and a good token logs in right after.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root (sshd, xrdp-sesman, mount namespaces)"; exit 77; }
[ -x /usr/sbin/sshd ] && command -v ssh > /dev/null || { echo "# openssh missing"; exit 99; }
. "$top_srcdir/tests/e2e/lib.sh"
t_start=$(date +%s)
V=$T/tok
mkdir -p "$V"
timeout 120 "$PYTHON" "$top_srcdir/tests/pam/mint_hostile.py" "$V" alice ||
	{ echo "# minting failed"; exit 99; }
CPU="$PYTHON $top_srcdir/tests/e2e/proc_cpu.py"
# Over 2 s an idle daemon uses next to nothing; one spinning process, even
# on a shared machine, uses far more than this many ticks.
SPIN_TICKS=${SPIN_TICKS:-40}

# not_spinning DESCRIPTION PID...: CPU of the processes and their children over 2 s
not_spinning() {
	local what=$1 a b
	shift
	a=$($CPU "$@")
	sleep 2
	b=$($CPU "$@")
	local d=$(( ${b%% *} - ${a%% *} ))
	if [ "$d" -le "$SPIN_TICKS" ]; then
		pass "$what: no process spins ($d ticks in 2 s over $(cut -d' ' -f2 <<< "$b") processes)"
	else
		fail "$what: $d ticks of CPU in 2 s after the client left (before: $a; after: $b)"
	fi
}

# The module's config for both daemons: static keys, groups checked.
module_conf() { # FILE
	test_issuer "$V/jwks.json" "groups_claim = groups" "allowed_groups = ssh-users admins" > "$1"
}
HOSTILE=(crasher crasher2 crasher7 empty_group empty_group_str)

# --- sshd -----------------------------------------------------------------------
S=$T/sshd
port_reserve SPORT
cleanup() {
	local p
	# this test's daemons and whatever they still run (by pid, nothing else)
	for p in $($CPU $(cat "$S/sshd.pid" 2> /dev/null) $(cat "$T/sesman.pid" 2> /dev/null) |
		cut -d' ' -f3- | tr ' ' '\n' | cut -d: -f1); do
		kill -9 "$p" 2> /dev/null || true
	done
	sshd_stop "$S" 2> /dev/null || true
	kill "$(cat "$T/sink.pid" 2> /dev/null)" 2> /dev/null || true
	[ -n "${KEEP_T:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
sshd_prepare "$S"
# A module that spins keeps its connection until the grace time ends.
echo "LoginGraceTime 30" >> "$S/sshd_config"
view_add_user "$S" alice 4100
module_conf "$S/security/pam_jwt.conf"
sshd_start "$S" "$SPORT"
LISTENER=$(cat "$S/sshd.pid")
printf '#!/bin/sh\ncat "$HOSTILE_TOKEN_FILE"\n' > "$T/cat-askpass"
chmod 0755 "$T/cat-askpass"

kbdint() { # TOKENFILE: paramiko, the whole token in one answer
	timeout 12 "$PYTHON" "$top_srcdir/tests/e2e/paramiko_login.py" 127.0.0.1 "$SPORT" alice "$1" 2>&1
}
password() { # TOKENFILE: the stock client over the password method
	HOSTILE_TOKEN_FILE=$1 SSH_ASKPASS=$T/cat-askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
		timeout 12 setsid -w ssh -p "$SPORT" -F /dev/null -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o PreferredAuthentications=password \
		-o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 alice@127.0.0.1 id < /dev/null 2>&1
}
rejected_lines() { grep -ac 'pam_jwt(sshd:auth): rejected verdict=' "$S/authlog" || true; }

out=$(kbdint "$V/good.jwt") || true
grep -q "uid=4100(alice)" <<< "$out" && pass "sshd: a good token logs in before the hostile ones" ||
	fail "sshd: good token before: $out"
for name in "${HOSTILE[@]}"; do
	for method in kbdint password; do
		what="sshd $method, $name"
		before=$(rejected_lines)
		t0=$(date +%s)
		out=$($method "$V/$name.jwt") || true
		echo "# $what: client gone after $(( $(date +%s) - t0 )) s: $(tr '\n' ' ' <<< "$out" | cut -c1-160)"
		grep -q "uid=" <<< "$out" && fail "$what: logged in" || pass "$what: no shell"
		for i in $(seq 30); do # the audit datagram on its way to the reader
			[ "$(rejected_lines)" -gt "$before" ] && break
			sleep 0.1
		done
		[ "$(rejected_lines)" -gt "$before" ] && pass "$what: the module wrote its rejected line" ||
			fail "$what: no rejected audit line (the module died or never finished)"
		kill -0 "$LISTENER" 2> /dev/null && pass "$what: sshd listener alive" ||
			fail "$what: sshd listener $LISTENER is gone"
		not_spinning "$what" "$LISTENER"
		out=$(kbdint "$V/good.jwt") || true
		grep -q "uid=4100(alice)" <<< "$out" && pass "$what: a good token logs in right after" ||
			fail "$what: good token after: $(tr '\n' ' ' <<< "$out" | cut -c1-200)"
		# the next case starts clean: end this sshd's leftover connections
		for p in $($CPU "$LISTENER" | cut -d' ' -f3- | tr ' ' '\n' | cut -d: -f1); do
			[ "$p" = "$LISTENER" ] || kill -9 "$p" 2> /dev/null || true
		done
	done
done
grep -a 'pam_jwt(sshd:auth): rejected' "$S/authlog" | sed 's/^/# /' | cut -c1-200 | tail -4
sshd_stop "$S"

# --- xrdp-sesman ------------------------------------------------------------------
if command -v xrdp-sesman > /dev/null && command -v xrdp-sesrun > /dev/null; then
	X=$T/xrdp
	mkdir -p "$X/log"
	view_prepare "$X" xrdp-sesman
	module_conf "$X/security/pam_jwt.conf"
	view_add_user "$X" alice 4100
	port_reserve XPORT
	sed -e "s/^ListenPort=.*/ListenPort=$XPORT/" -e "s|^LogFile=.*|LogFile=$X/log/sesman.log|" \
		-e "s/^LogLevel=.*/LogLevel=DEBUG/" -e "s/^EnableSyslog=.*/EnableSyslog=false/" \
		/etc/xrdp/sesman.ini > "$X/sesman.ini"
	timeout 600 "$PYTHON" "$top_srcdir/tests/pam/syslog_sink.py" "$X/dev/log" "$X/syslog.jsonl" &
	echo $! > "$T/sink.pid"
	for i in $(seq 300); do [ -S "$X/dev/log" ] && break; sleep 0.1; done
	tok=$(cat "$V/compact.jwt")
	[ "${#tok}" -le 255 ] && pass "xrdp: good compact token is ${#tok} characters" ||
		fail "xrdp: good compact token is ${#tok} characters (RDP holds 255)"
	tok=$(cat "$V/compact_empty_group.jwt")
	[ "${#tok}" -le 255 ] && pass "xrdp: empty-group compact token is ${#tok} characters" ||
		fail "xrdp: empty-group compact token is ${#tok} characters"
	# One fresh sesman per hostile credential; the namespace script writes
	# its observations to $X/log/NAME.* and the checks read them below.
	cat > "$X/inner.sh" <<EOF
set -u
PAM_MODDIR=$PAM_MODDIR
$(declare -f dev_mount view_mount)
view_mount "$X"
sesrun() { # NAME FILE
	timeout 12 xrdp-sesrun -c "$X/sesman.ini" -s 127.0.0.1 -F 3 alice 3< "\$2" > "$X/log/\$1.out" 2>&1
	echo "\$?" > "$X/log/\$1.rc"
}
for name in good $(printf '%s ' "${HOSTILE[@]}"); do
	file=$V/\$name.jwt
	[ "\$name" = empty_group ] && file=$V/compact_empty_group.jwt
	[ "\$name" = good ] && file=$V/compact.jwt
	: > "$X/log/sesman.log"
	xrdp-sesman --nodaemon --config "$X/sesman.ini" > "$X/log/\$name.sesman.out" 2>&1 &
	pid=\$!
	echo "\$pid" > "$T/sesman.pid"
	for i in \$(seq 50); do grep -q "listening" "$X/log/sesman.log" 2>/dev/null && break; sleep 0.1; done
	sesrun "\$name.hostile" "\$file"
	sleep 0.3
	kill -0 "\$pid" 2>/dev/null && echo alive > "$X/log/\$name.alive" || echo dead > "$X/log/\$name.alive"
	$CPU "\$pid" > "$X/log/\$name.cpu0"
	sleep 2
	$CPU "\$pid" > "$X/log/\$name.cpu1"
	sesrun "\$name.good" "$V/compact.jwt"
	cp "$X/log/sesman.log" "$X/log/\$name.sesman.log"
	for p in \$($CPU "\$pid" | cut -d' ' -f3- | tr ' ' '\n' | cut -d: -f1); do kill -9 "\$p" 2>/dev/null; done
	wait "\$pid" 2>/dev/null
	echo "\$?" > "$X/log/\$name.sesman.rc"
done
EOF
	timeout 400 unshare --mount --propagation private bash "$X/inner.sh" || fail "xrdp namespace script failed"
	kill "$(cat "$T/sink.pid")" 2> /dev/null || true
	for name in good "${HOSTILE[@]}"; do
		what="xrdp-sesman, $name"
		l=$X/log/$name
		if [ "$name" = good ]; then
			grep -q "^ok data=" "$l.hostile.out" && pass "$what: a good compact token authenticates" ||
				fail "$what: $(cat "$l.hostile.out")"
			continue
		fi
		grep -q "^ok data=" "$l.hostile.out" && fail "$what: session granted" || pass "$what: no session"
		grep -q "AUTHFAIL: user=alice" "$l.sesman.log" && pass "$what: sesman logged AUTHFAIL" ||
			fail "$what: no AUTHFAIL in sesman's log (sesrun: $(tr '\n' ' ' < "$l.hostile.out" | cut -c1-120))"
		expect_eq "$(cat "$l.alive")" alive "$what: sesman alive after it (exit status seen: $(cat "$l.sesman.rc"))"
		d=$(( $(cut -d' ' -f1 < "$l.cpu1") - $(cut -d' ' -f1 < "$l.cpu0") ))
		if [ "$d" -le "$SPIN_TICKS" ]; then pass "$what: no sesman process spins ($d ticks in 2 s)"
		else fail "$what: $d ticks of CPU in 2 s after the client left ($(cat "$l.cpu1"))"; fi
		grep -q "^ok data=" "$l.good.out" && pass "$what: a good compact token authenticates right after" ||
			fail "$what: good token after: $(tr '\n' ' ' < "$l.good.out" | cut -c1-160)"
	done
	n_rej=$(grep -c 'pam_jwt(xrdp-sesman:auth): rejected verdict=' "$X/syslog.jsonl" || true)
	expect_eq "$n_rej" "${#HOSTILE[@]}" "xrdp: one rejected audit line per hostile credential"
	grep 'pam_jwt(xrdp-sesman:auth)' "$X/syslog.jsonl" | cut -c1-200 | sed 's/^/# /' | tail -3
else
	skip "xrdp-sesman part: xrdp not installed"
fi
echo "# hostile_daemons.sh ran $(( $(date +%s) - t_start )) s"
finish
