# SPDX-License-Identifier: BSD-2-Clause
# The setup the end-to-end tests share (sshd.sh, device.sh, xrdp.sh,
# xrdp_desktop.sh, hostile_daemons.sh, tests/pam/desktop_code.sh, demo.sh,
# the benchmarks).  Source it after tests/lib.sh (T, PYTHON, MODULE,
# PAMJWT, PAM_MODDIR, port_reserve); needs root.
#
# The test OpenID provider (tests/e2e/run-idp.sh, HTTPS with a test CA, on
# a port it picks itself):
#   idp_start [NAME=VALUE...]   start it in $T/idp; sets ISSUER and CA
#   idp_stop                    stop it
#   tok CLIENT AUDIENCE [ALG]   a token from it (tests/e2e/get-token.sh)
#   e2e_section NAME AUDIENCE [LINE...]   an [issuer NAME] section for it:
#                               preferred_username, group_map ops operators
#                               and developers developers, then LINEs
#
# The host as a daemon sees it, without changing the host: private copies
# of /etc/pam.d (with our stanza), /etc/security, libpam's module directory
# (with our pam_jwt.so) and /etc/passwd, group, shadow, bound over the real
# ones inside a private mount namespace, and a private /dev whose /dev/log
# is a socket we read (the authpriv audit lines):
#   view_prepare DIR STANZA      the copies in DIR (DIR/security is what
#                                the namespace sees as /etc/security)
#   view_add_user DIR NAME UID [SHADOW-HASH [HOME]]   a local user (+ own group)
#   view_add_group DIR NAME GID [MEMBERS]
#   view_mount DIR               (inside the namespace) bind DIR over /etc
#                                and libpam's directory; dev_mount DIR
#   dev_mount DIR                (inside the namespace) DIR/dev over /dev
#   dev_ns DIR                   DEV_NS=(command prefix): a private mount
#                                namespace whose /dev is DIR/dev
#   log_reader SOCKET FILE       a /dev/log stand-in, one line per message
#
# A real sshd on 127.0.0.1 with the shipped conf/pam.d/sshd:
#   sshd_prepare DIR             view_prepare, a host key, sshd_config
#   sshd_config_base DIR         the sshd_config lines every test sshd has
#   sshd_start DIR PORT          start; waits (bounded) for the pid file
#   sshd_stop DIR                stop sshd and the log reader
#   sshd_login DIR PORT USER METHOD CMD...   the stock ssh client
#   e2e_sshd                     all of it as sshd.sh and device.sh use it:
#                                S=$T/sshd, PORT, alice (4100, $PASSWORD),
#                                bob (4101), operators (4102), developers
#                                (4103), $T/bin/pam-jwt, $T/cache; the
#                                caller writes $S/security/pam_jwt.conf
#                                (e2e_conf_head first) and runs sshd_start
# DIR/authlog collects syslog lines; DIR/sshd.log is sshd's own log.

E2E=$top_srcdir/tests/e2e

idp_start() {
	ISSUER=$(env IDP_PORT=0 "$@" "$E2E/run-idp.sh" start "$T/idp" | tail -1)
	CA=$T/idp/ca.pem
	[ -n "$ISSUER" ] || { echo "# the test provider did not start"; exit 99; }
	echo "# provider: $ISSUER"
}
idp_stop() { "$E2E/run-idp.sh" stop "$T/idp" > /dev/null 2>&1 || true; }
tok() { IDP_DIR=$T/idp "$E2E/get-token.sh" "$@"; }

e2e_section() { # NAME AUDIENCE [LINE...]
	local name=$1 aud=$2
	shift 2
	printf '%s\n' "[issuer $name]" "issuer = $ISSUER" "audience = $aud" "ca_file = $CA" \
		"username_claim = preferred_username" "groups_claim = groups" \
		"group_map = ops operators" "group_map = developers developers" "$@"
}
# e2e_conf_head: the module's key cache and refresh helper in $T
e2e_conf_head() { printf '%s\n' "cache_dir = $T/cache" "refresh_helper = $T/bin/pam-jwt" ""; }

view_prepare() { # DIR STANZA
	local dir=$1
	mkdir -p "$dir/etc" "$dir/dev" "$dir/security"
	cp -a /etc/pam.d "$dir/pam.d"
	cp "$top_srcdir/conf/pam.d/$2" "$dir/pam.d/$2"
	cp -a "$PAM_MODDIR" "$dir/pamlib"
	install_module "$dir/pamlib"
	cp -a /etc/security/. "$dir/security/"
	cp /etc/passwd /etc/group /etc/shadow "$dir/etc/"
}

view_add_user() { # DIR NAME UID [HASH [HOME]]
	local dir=$1 name=$2 uid=$3 hash=${4:-*} home=${5:-/tmp}
	sed -i "/^$name:/d" "$dir/etc/passwd" "$dir/etc/group" "$dir/etc/shadow"
	echo "$name:x:$uid:$uid:$name:$home:/bin/sh" >> "$dir/etc/passwd"
	echo "$name:x:$uid:" >> "$dir/etc/group"
	echo "$name:$hash:19000:0:99999:7:::" >> "$dir/etc/shadow"
}

view_add_group() { # DIR NAME GID [MEMBERS]
	sed -i "/^$2:/d" "$1/etc/group"
	echo "$2:x:$3:${4:-}" >> "$1/etc/group"
}

# dev_mount DIR, view_mount DIR: run inside a private mount namespace
# (declare -f passes them to a child bash).  The devices a daemon and its
# sessions use are the host's; /dev/log is DIR/dev/log.
dev_mount() {
	local dir=$1 d
	mkdir -p "$dir/dev"
	for d in null zero full random urandom tty ptmx; do
		touch "$dir/dev/$d"
		mount --bind "/dev/$d" "$dir/dev/$d"
	done
	mkdir -p "$dir/dev/pts" "$dir/dev/shm"
	mount --bind /dev/pts "$dir/dev/pts"
	mount -t tmpfs -o mode=1777 tmpfs "$dir/dev/shm"
	mount --rbind "$dir/dev" /dev
}
view_mount() {
	local dir=$1 f
	dev_mount "$dir"
	mount --bind "$dir/pam.d" /etc/pam.d
	mount --bind "$dir/security" /etc/security
	mount --bind "$dir/pamlib" "$PAM_MODDIR"
	for f in passwd group shadow; do mount --bind "$dir/etc/$f" "/etc/$f"; done
}

dev_ns() { # DIR
	DEV_NS=(unshare --mount --propagation private bash -c "$(declare -f dev_mount)
dev_mount \"\$0\"; exec \"\$@\"" "$1")
}

# log_reader SOCKET FILE: one line of FILE per datagram; LOG_READER is its
# pid (the caller's cleanup kills it); waits (30 s at most) for the socket.
log_reader() {
	local i
	"$PYTHON" "$top_srcdir/tests/pam/syslog_sink.py" --raw "$1" "$2" &
	LOG_READER=$!
	for i in $(seq 300); do [ -S "$1" ] && return 0; sleep 0.1; done
	echo "# no log reader at $1"
	exit 99
}

# sshd_config_base DIR: every test sshd: loopback, DIR/hostkey, DIR/sshd.pid,
# passwords allowed, no public keys, no root
sshd_config_base() {
	printf '%s\n' "ListenAddress 127.0.0.1" "HostKey $1/hostkey" "PidFile $1/sshd.pid" \
		"PasswordAuthentication yes" "PubkeyAuthentication no" "PermitRootLogin no" \
		"MaxAuthTries 10" "LogLevel VERBOSE"
}

sshd_prepare() { # DIR
	local dir=$1
	view_prepare "$dir" sshd
	ssh-keygen -q -t ed25519 -N '' -f "$dir/hostkey"
	{ sshd_config_base "$dir"; echo "UsePAM yes"; echo "KbdInteractiveAuthentication yes"; } \
		> "$dir/sshd_config"
}

sshd_start() { # DIR PORT
	local dir=$1 port=$2 i
	mkdir -p /run/sshd
	log_reader "$dir/dev/log" "$dir/authlog"
	echo "$LOG_READER" > "$dir/logger.pid"
	unshare --mount --propagation private bash -c "
		PAM_MODDIR='$PAM_MODDIR'
		$(declare -f dev_mount view_mount)
		view_mount '$dir'
		exec /usr/sbin/sshd -f '$dir/sshd_config' -p $port -E '$dir/sshd.log'
	"
	for i in $(seq 300); do [ -s "$dir/sshd.pid" ] && return 0; sleep 0.1; done
	echo "sshd did not start:" >&2
	cat "$dir/sshd.log" >&2
	return 1
}

sshd_stop() { # DIR
	local dir=$1 pid f
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

# e2e_require_sshd: what the sshd tests need, else SKIP (not root) or ERROR
e2e_require_sshd() {
	[ "$(id -u)" = 0 ] || { echo "# needs root (sshd, mount namespace)"; exit 77; }
	[ -x /usr/sbin/sshd ] && command -v ssh > /dev/null || { echo "# openssh missing"; exit 99; }
	command -v node > /dev/null || { echo "# node missing"; exit 99; }
}

# e2e_cleanup: everything e2e_sshd and idp_start started (for trap ... EXIT)
e2e_cleanup() {
	[ -z "${S:-}" ] || sshd_stop "$S" 2> /dev/null || true
	idp_stop
	[ -n "${KEEP_T:-}" ] || rm -rf "$T"
}

e2e_sshd() { # [DEVELOPERS-MEMBERS]
	S=$T/sshd
	port_reserve PORT
	sshd_prepare "$S"
	mkdir -p "$T/bin" "$T/cache"
	install -m 0755 "$PAMJWT" "$T/bin/pam-jwt"
	PASSWORD="correct horse battery $$"
	view_add_user "$S" alice 4100 "$(openssl passwd -6 "$PASSWORD")"
	view_add_user "$S" bob 4101
	view_add_group "$S" operators 4102
	view_add_group "$S" developers 4103 "${1:-}"
}
