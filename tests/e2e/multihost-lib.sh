# SPDX-License-Identifier: BSD-2-Clause
# Several real sshd hosts on 127.0.0.1 for the workstation client's tests
# (issue 20): each its own port, host key, users and pam_jwt.conf whose
# audience is ssh://NAME, so a token bound to one host is refused by the
# others.  The client reaches them by name through a generated ssh_config
# (Host NAME / HostName 127.0.0.1 / Port / HostKeyAlias NAME), so ssh's
# keyboard-interactive prompt reads "(alice@NAME) Token:".
#
# Source after tests/lib.sh (T, top_srcdir, top_builddir, MODULE, PAMJWT);
# needs root, sshd, ssh, python3; builds on tests/e2e/lib.sh.
#
#   mh_require_tools [COMMAND...]    exit 99 (a machine without tests/deps.txt)
#                                    unless openssh, the provider's node, curl,
#                                    the browser (chromium, chromedriver,
#                                    certutil, python3-selenium) and each
#                                    COMMAND are installed
#   mh_cleanup                       stop every host and the provider (idp_start)
#                                    and remove $T unless KEEP_T: trap ... EXIT
#   mh_setup ISSUER CAFILE NAME...   prepare one host per NAME under $MH/NAME
#   mh_start / mh_stop               start (bounded wait) / stop every host
#   mh_port NAME, mh_dir NAME        its port, its directory
#   mh_conf NAME                     its pam_jwt.conf (pam-jwt check --config;
#                                    the module rereads it at each login)
#   mh_check NAME ARGS...            pam-jwt check with the host's config and its
#                                    users (nss_wrapper): --user alice - < TOKEN
#   mh_ssh_config FILE               ssh_config for every NAME (strict host keys
#                                    from $MH/known_hosts, user $MH_USER,
#                                    keyboard-interactive only, no agent/keys)
#   mh_audit NAME [KIND [PATTERN]]   the host's pam_jwt audit lines (KIND accepted
#                                    or rejected), waiting up to 30 s for PATTERN
#   mh_received NAME [PATTERN]       "accepted|rejected VERDICT JTI" per token the
#                                    host's module saw (from the audit lines): what
#                                    each host received, to prove host B never got
#                                    a token meant for A; waits up to 30 s for
#                                    PATTERN (syslog lags behind the client)
#   mh_jti TOKEN                     the jti claim of a JWT (to compare with that)
#   mh_ssh_token CONFIG NAME TOKENFILE CMD...   the stock ssh client (-F CONFIG)
#                                    to NAME, pam-jwt-askpass typing TOKENFILE at
#                                    each prompt; bounded to 30 s
#
# Each host: user $MH_USER (default alice, uid $MH_UID, default 4100) with the
# password $MH_PASSWORD (default "alice-password"; pam_unix over the password
# method), home $MH/NAME/home (scp, rsync land there), groups developers and
# operators; git and rsync are the machine's.  A bare repository
# $MH/git/app.git (one commit, README), the user's own, is there on every host
# (git clone NAME:$MH/git/app.git).  pam_jwt.conf: [issuer e2e] issuer ISSUER,
# audience ssh://NAME, ca_file CAFILE, username_claim preferred_username,
# groups_claim groups, group_map developers/ops, leeway $MH_LEEWAY (default 0),
# one_time = yes when NAME is in $MH_ONE_TIME ("all" for every host), plus
# the lines of $MH_EXTRA_CONF; keys through discovery into $MH/NAME/cache,
# replay records in $MH/NAME/replay.  Syslog of each host: $MH/NAME/authlog.
. "$top_srcdir/tests/e2e/lib.sh"

MH=${MH:-$T/mh}
MH_USER=${MH_USER:-alice}
MH_UID=${MH_UID:-4100}
MH_PASSWORD=${MH_PASSWORD:-alice-password}
MH_LEEWAY=${MH_LEEWAY:-0}
MH_ONE_TIME=${MH_ONE_TIME:-}
MH_EXTRA_CONF=${MH_EXTRA_CONF:-}
MH_NAMES=()

mh_require_tools() { # [COMMAND...]
	local c
	[ -x /usr/sbin/sshd ] && command -v ssh > /dev/null || { echo "# openssh missing"; exit 99; }
	for c in node curl chromium chromedriver certutil "$@"; do
		command -v "$c" > /dev/null || { echo "# $c missing (tests/deps.txt)"; exit 99; }
	done
	"$PYTHON" -c 'import selenium' 2> /dev/null || { echo "# python3-selenium missing"; exit 99; }
}

mh_cleanup() {
	mh_stop
	idp_stop
	[ -n "${KEEP_T:-}" ] || rm -rf "$T"
}

mh_dir() { echo "$MH/$1"; }
mh_port() { cat "$MH/$1/port"; }
mh_conf() { echo "$MH/$1/security/pam_jwt.conf"; }

mh_write_conf() { # NAME ISSUER CAFILE
	local name=$1 dir=$MH/$1 one_time=no
	case " $MH_ONE_TIME " in *" $name "* | *" all "*) one_time=yes ;; esac
	cat > "$dir/security/pam_jwt.conf" <<-EOF
		cache_dir = $dir/cache
		replay_dir = $dir/replay
		refresh_helper = $MH/bin/pam-jwt

		[issuer e2e]
		issuer = $2
		audience = ssh://$name
		ca_file = $3
		username_claim = preferred_username
		groups_claim = groups
		group_map = ops operators
		group_map = developers developers
		leeway = $MH_LEEWAY
		one_time = $one_time
	EOF
	[ -z "$MH_EXTRA_CONF" ] || printf '%s\n' "$MH_EXTRA_CONF" >> "$dir/security/pam_jwt.conf"
}

mh_setup() { # ISSUER CAFILE NAME...
	local issuer=$1 ca=$2 name dir hash port
	shift 2
	mkdir -p "$MH/bin" "$MH/git"
	chmod 0755 "$MH"
	install -m 0755 "$PAMJWT" "$MH/bin/pam-jwt"
	: > "$MH/known_hosts"
	hash=$(openssl passwd -6 "$MH_PASSWORD")
	for name in "$@"; do
		dir=$MH/$name
		sshd_prepare "$dir"
		mkdir -p "$dir/cache" "$dir/replay" "$dir/home"
		chmod 0755 "$dir" "$dir/cache"
		chmod 0700 "$dir/replay"
		view_add_user "$dir" "$MH_USER" "$MH_UID" "$hash" "$dir/home"
		chown "$MH_UID:$MH_UID" "$dir/home"
		view_add_group "$dir" operators 4102
		view_add_group "$dir" developers 4103
		mh_write_conf "$name" "$issuer" "$ca"
		port_reserve port # held by this shell until it exits
		echo "$port" > "$dir/port"
		echo "$name $(cut -d' ' -f1,2 "$dir/hostkey.pub")" >> "$MH/known_hosts"
		MH_NAMES+=("$name")
	done
	# A repository to clone over ssh from any host.
	if [ ! -d "$MH/git/app.git" ]; then
		git init -q --bare "$MH/git/app.git"
		git init -q "$MH/git/work"
		printf 'app\n' > "$MH/git/work/README"
		git -C "$MH/git/work" add README
		git -C "$MH/git/work" -c user.name=test -c user.email=test@example.test commit -qm init
		git -C "$MH/git/work" push -q "$MH/git/app.git" HEAD:refs/heads/main
		git -C "$MH/git/app.git" symbolic-ref HEAD refs/heads/main
		chown -R "$MH_UID:$MH_UID" "$MH/git" # the user's own (git's safe.directory)
	fi
}

mh_start() {
	local name
	for name in "${MH_NAMES[@]}"; do
		sshd_start "$MH/$name" "$(mh_port "$name")" || return 1
	done
}

mh_stop() {
	local name
	for name in "${MH_NAMES[@]}"; do
		sshd_stop "$MH/$name" 2> /dev/null || true
	done
}

mh_ssh_config() { # FILE
	local name
	{
		for name in "${MH_NAMES[@]}"; do
			printf 'Host %s\n\tHostName 127.0.0.1\n\tPort %s\n\tHostKeyAlias %s\n' \
				"$name" "$(mh_port "$name")" "$name"
		done
		printf 'Host %s\n' "${MH_NAMES[*]}"
		cat <<-EOF
			User $MH_USER
			UserKnownHostsFile $MH/known_hosts
			GlobalKnownHostsFile /dev/null
			StrictHostKeyChecking yes
			PreferredAuthentications keyboard-interactive
			PubkeyAuthentication no
			IdentityAgent none
			NumberOfPasswordPrompts 1
			ConnectTimeout 10
		EOF
	} > "$1"
}

mh_audit() { # NAME [KIND [PATTERN]]
	local log=$MH/$1/authlog i out
	for i in $(seq 300); do
		out=$(grep -a "pam_jwt(sshd:auth): ${2:-}" "$log" 2> /dev/null || true)
		grep -q -- "${3:-.}" <<< "$out" && break
		sleep 0.1
	done
	printf '%s\n' "$out" | sed -n 's/.*pam_jwt(sshd:auth): //p'
}

mh_received() { # NAME [PATTERN]
	local i out
	for i in $(seq 300); do
		out=$(sed -n 's/.*pam_jwt(sshd:auth): \(accepted\|rejected\) verdict=\([A-Z_]*\) .* jti="\([^"]*\)".*/\1 \2 \3/p' \
			"$MH/$1/authlog" 2> /dev/null)
		grep -q -- "${2:-.}" <<< "$out" && break
		sleep 0.1
	done
	[ -z "$out" ] || printf '%s\n' "$out"
}

mh_jti() { # TOKEN
	/usr/bin/python3 -c '
import base64, json, sys
p = sys.argv[1].split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))).get("jti", ""))' "$1"
}

mh_ssh_token() { # CONFIG NAME TOKENFILE CMD...
	local cfg=$1 name=$2 file=$3
	shift 3
	PAM_JWT_TOKEN_FILE=$file SSH_ASKPASS=$top_builddir/pam-jwt-askpass SSH_ASKPASS_REQUIRE=force \
		DISPLAY=${DISPLAY:-:0} timeout 30 setsid -w ssh -F "$cfg" "$name" "$@" < /dev/null
}

mh_check() { # NAME ARGS...
	local dir=$MH/$1
	shift
	NSS_WRAPPER_PASSWD=$dir/etc/passwd NSS_WRAPPER_GROUP=$dir/etc/group LD_PRELOAD=$NSS_WRAPPER_LIB \
		"$PAMJWT" check --config "$dir/security/pam_jwt.conf" "$@"
}
