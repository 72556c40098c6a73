# A real sshd on 127.0.0.1 that sees the shipped conf/pam.d/sshd, our
# pam_jwt.so and private copies of /etc/passwd, group, shadow and security,
# without changing the host: it runs in a private mount namespace, with a
# private /dev whose /dev/log is a socket we read (the authpriv audit lines).
# Sourced by demo.sh and tests/e2e/sshd.sh; needs root, sshd, python3.
#
#   sshd_prepare DIR SRCDIR MODULE   copies into DIR, host key, sshd_config
#   sshd_add_user DIR NAME UID [SHADOW-HASH]   a local user (+ own group)
#   sshd_add_group DIR NAME GID [MEMBERS]
#   sshd_start DIR PORT              start; waits (bounded) for the pid file
#   sshd_stop DIR                    stop sshd and the log reader
#   sshd_login DIR PORT USER METHOD CMD...   ssh with $SSH_ANSWER_FILE (one
#                                    answer per prompt, see askpass below)
#
# DIR/security is what the namespace sees as /etc/security; DIR/authlog
# collects syslog lines; DIR/sshd.log is sshd's own log.

SSHD_PAMLIB=${SSHD_PAMLIB:-/lib/x86_64-linux-gnu/security}

sshd_prepare() {
	local dir=$1 src=$2 module=$3
	mkdir -p "$dir/etc" "$dir/dev" "$dir/security"
	cp -a /etc/pam.d "$dir/pam.d"
	cp "$src/conf/pam.d/sshd" "$dir/pam.d/sshd"
	cp -a "$SSHD_PAMLIB" "$dir/pamlib"
	cp "$module" "$dir/pamlib/pam_jwt.so"
	cp -a /etc/security/. "$dir/security/"
	cp /etc/passwd /etc/group /etc/shadow "$dir/etc/"
	ssh-keygen -q -t ed25519 -N '' -f "$dir/hostkey"
	cat > "$dir/sshd_config" <<-EOF
		ListenAddress 127.0.0.1
		HostKey $dir/hostkey
		PidFile $dir/sshd.pid
		UsePAM yes
		KbdInteractiveAuthentication yes
		PasswordAuthentication yes
		PubkeyAuthentication no
		PermitRootLogin no
		MaxAuthTries 10
		LogLevel VERBOSE
	EOF
}

sshd_add_user() { # DIR NAME UID [HASH]
	local dir=$1 name=$2 uid=$3 hash=${4:-*}
	sed -i "/^$name:/d" "$dir/etc/passwd" "$dir/etc/group" "$dir/etc/shadow"
	echo "$name:x:$uid:$uid:$name:/tmp:/bin/sh" >> "$dir/etc/passwd"
	echo "$name:x:$uid:" >> "$dir/etc/group"
	echo "$name:$hash:19000:0:99999:7:::" >> "$dir/etc/shadow"
}

sshd_add_group() { # DIR NAME GID [MEMBERS]
	sed -i "/^$2:/d" "$1/etc/group"
	echo "$2:x:$3:${4:-}" >> "$1/etc/group"
}

sshd_start() { # DIR PORT
	local dir=$1 port=$2 i
	mkdir -p /run/sshd
	/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(8192) + b"\n")
' "$dir/dev/log" "$dir/authlog" &
	echo $! > "$dir/logger.pid"
	for i in $(seq 50); do [ -S "$dir/dev/log" ] && break; sleep 0.1; done
	unshare --mount --propagation private bash -c "
		for d in null zero full random urandom tty ptmx; do
			touch '$dir/dev/'\$d; mount --bind /dev/\$d '$dir/dev/'\$d
		done
		mkdir -p '$dir/dev/pts' '$dir/dev/shm'; mount --bind /dev/pts '$dir/dev/pts'
		mount --rbind '$dir/dev' /dev
		mount --bind '$dir/pam.d' /etc/pam.d
		mount --bind '$dir/security' /etc/security
		mount --bind '$dir/pamlib' $SSHD_PAMLIB
		for f in passwd group shadow; do mount --bind '$dir/etc/'\$f /etc/\$f; done
		exec /usr/sbin/sshd -f '$dir/sshd_config' -p $port -E '$dir/sshd.log'
	"
	for i in $(seq 50); do [ -s "$dir/sshd.pid" ] && return 0; sleep 0.1; done
	echo "sshd did not start:" >&2
	cat "$dir/sshd.log" >&2
	return 1
}

sshd_stop() { # DIR
	local dir=$1 pid
	for f in sshd.pid logger.pid; do
		pid=$(cat "$dir/$f" 2> /dev/null) || continue
		kill "$pid" 2> /dev/null || true
		rm -f "$dir/$f"
	done
}

# sshd_login DIR PORT USER METHOD CMD: the stock OpenSSH client, answering
# every prompt with pam-jwt-askpass (token from $PAM_JWT_TOKEN_FILE) or,
# with SSH_ASKPASS set by the caller, its program.  Bounded to 30 s.
sshd_login() {
	local dir=$1 port=$2 user=$3 method=$4
	shift 4
	SSH_ASKPASS=${SSH_ASKPASS:-$top_builddir/pam-jwt-askpass} SSH_ASKPASS_REQUIRE=force \
		DISPLAY=${DISPLAY:-:0} timeout 30 setsid -w ssh -p "$port" -F /dev/null \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o PreferredAuthentications="$method" -o NumberOfPasswordPrompts=1 \
		-o LogLevel=INFO -o ConnectTimeout=10 "$user@127.0.0.1" "$@" < /dev/null
}
