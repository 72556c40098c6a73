#!/bin/bash
# pam-jwt-askpass keeps its per-connection position in a private directory
# of the user's ($XDG_RUNTIME_DIR/pam-jwt, else ~/.cache/pam-jwt), never
# at a predictable name in /tmp: another user who creates the old /tmp name
# first changes nothing; a symlinked, foreign or open directory is refused.
# Two local users by uid (setpriv), no accounts needed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "# needs root (two users)"; exit 77; }
command -v setpriv > /dev/null || { echo "# setpriv missing"; exit 77; }

mkdir -p "$T/bin"
install -m 0755 "$PAMJWT" "$T/bin/pam-jwt"
ln -s pam-jwt "$T/bin/pam-jwt-askpass"
ASKPASS=$T/bin/pam-jwt-askpass
VICTIM=4100
OTHER=4200
as() { # UID CMD...: run as that uid, with a clean environment
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$uid" --clear-groups env -i PATH=/usr/bin:/bin "$@"
}
mkdir -m 0700 "$T/home"
chown "$VICTIM:$VICTIM" "$T/home"
"$PYTHON" -c 'import random,string; print("eyJ" + "".join(random.choice(string.ascii_letters) for _ in range(2497)))' \
	> "$T/token"
chown "$VICTIM" "$T/token"
chmod 0600 "$T/token"

# One ssh login: three prompts from one parent (the state is per parent).
# Prints the three answers joined; the shell's pid first, in $T/ppid.
connection() { # ENV...
	as "$VICTIM" "$@" PAM_JWT_TOKEN_FILE="$T/token" ASKPASS="$ASKPASS" T="$T" bash -c '
		echo $$ > "$T/v/ppid.tmp" && mv "$T/v/ppid.tmp" "$T/v/ppid.$$"
		while [ ! -e "$T/go" ]; do sleep 0.05; done
		a=$("$ASKPASS" "Token: ") || exit 1
		b=$("$ASKPASS" "Token (continued): ") || exit 1
		c=$("$ASKPASS" "Token (continued): ") || exit 1
		printf %s "$a$b$c"'
}
mkdir "$T/v" # the victim's shell says its pid there
chown "$VICTIM" "$T/v"
touch "$T/go"

# --- no XDG_RUNTIME_DIR: ~/.cache/pam-jwt, made 0700 ---------------------
got=$(connection HOME="$T/home") && rc=0 || rc=$?
expect_eq "$rc" 0 "no XDG_RUNTIME_DIR: askpass answers"
[ "$got" = "$(cat "$T/token")" ] && pass "three prompts give the whole 2500-character token" ||
	fail "joined answers differ (${#got} characters)"
expect_eq "$(stat -c %a:%u "$T/home/.cache/pam-jwt" 2> /dev/null)" "700:$VICTIM" \
	"state directory ~/.cache/pam-jwt is 0700 and the user's"
expect_eq "$(find /tmp -maxdepth 1 -name "pam-jwt-askpass.$VICTIM.*" -newer "$T/token" | wc -l)" 0 \
	"nothing written to /tmp"
expect_eq "$(find "$T/home/.cache/pam-jwt" -type f | wc -l)" 0 \
	"the state file is gone once the last part is sent"

# --- another user took the old /tmp name first: no effect ------------------
rm -f "$T/go" "$T"/v/ppid.*
connection HOME="$T/home" > "$T/out" 2> "$T/err" &
bg=$!
for _ in $(seq 100); do ls "$T"/v/ppid.* > /dev/null 2>&1 && break; sleep 0.05; done
pp=$(basename "$(ls "$T"/v/ppid.* 2> /dev/null | head -1)")
pp=${pp#ppid.}
taken=/tmp/pam-jwt-askpass.$VICTIM.$pp
as "$OTHER" sh -c "umask 022; echo 0 > '$taken'"
touch "$T/go"
wait "$bg" && rc=0 || rc=$?
expect_eq "$rc" 0 "old /tmp name ($taken) owned by another user: askpass still answers"
[ "$(cat "$T/out")" = "$(cat "$T/token")" ] && pass "and the whole token arrives" ||
	fail "token with a squatted /tmp name: $(cat "$T/err")"
rm -f "$taken"

# --- XDG_RUNTIME_DIR: state under it --------------------------------------
mkdir -m 0700 "$T/run"
chown "$VICTIM" "$T/run"
rm -f "$T"/v/ppid.*
got=$(connection XDG_RUNTIME_DIR="$T/run" HOME=/nonexistent) && rc=0 || rc=$?
expect_eq "$rc:${#got}" "0:2500" "XDG_RUNTIME_DIR set: askpass answers"
expect_eq "$(stat -c %a:%u "$T/run/pam-jwt" 2> /dev/null)" "700:$VICTIM" \
	"state directory \$XDG_RUNTIME_DIR/pam-jwt"

# --- directories it must refuse ---------------------------------------------
one() { # HOME: one prompt, prints rc and the message
	as "$VICTIM" HOME="$1" PAM_JWT_TOKEN_FILE="$T/token" "$ASKPASS" "Token: " > /dev/null 2> "$T/err" &&
		echo 0 || echo "$?"
}
refused() { # HOME DESCRIPTION
	local rc
	rc=$(one "$1")
	if [ "$rc" = 1 ] && grep -q "unsafe state directory" "$T/err"; then
		pass "$2: refused"
	else
		fail "$2: rc $rc, $(cat "$T/err")"
	fi
}
mk_home() { # NAME: a fresh home of the victim's with .cache
	mkdir -p -m 0700 "$T/$1/.cache"
	chown -R "$VICTIM:$VICTIM" "$T/$1"
}
mk_home h-link
mkdir -m 0700 "$T/elsewhere"
chown "$VICTIM" "$T/elsewhere"
ln -s "$T/elsewhere" "$T/h-link/.cache/pam-jwt"
refused "$T/h-link" "state directory is a symlink (even to a directory of the user's)"
mk_home h-other
mkdir -m 0700 "$T/h-other/.cache/pam-jwt"
chown "$OTHER" "$T/h-other/.cache/pam-jwt"
refused "$T/h-other" "state directory owned by another user"
mk_home h-open
mkdir -m 0755 "$T/h-open/.cache/pam-jwt"
chown "$VICTIM" "$T/h-open/.cache/pam-jwt"
refused "$T/h-open" "state directory others can enter (0755)"
mk_home h-file
touch "$T/h-file/.cache/pam-jwt"
chown "$VICTIM" "$T/h-file/.cache/pam-jwt"
refused "$T/h-file" "state path is a file"
mk_home h-ok
expect_eq "$(one "$T/h-ok")" 0 "a fresh home: accepted"
finish
