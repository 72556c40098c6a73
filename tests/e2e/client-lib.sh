# The workstation user's side of the client tests (tests/e2e/client.sh,
# tests/bench/bench_client.sh), sourced after multihost-lib.sh:
#
#   client_env CAFILE   a private config dir, runtime dir (0700) and HOME under
#                       $T; pam-jwt-login, pam-jwt-askpass and pam-jwt-ssh from
#                       the build; the real browser (browser_signin.py) as
#                       $BROWSER, trusting CAFILE; its log in $T/browser.log
#   jssh ARGS...        pam-jwt-ssh -F $SSHCFG ARGS (bounded, stdin closed)
#   CLIENT_CONF         the client.conf to write
client_env() {
	export XDG_CONFIG_HOME=$T/cfg XDG_RUNTIME_DIR=$T/run HOME=$T/wshome
	export PAM_JWT_LOGIN=$top_builddir/pam-jwt-login PAM_JWT_ASKPASS=$top_builddir/pam-jwt-askpass
	export PAM_JWT_SSH=$top_builddir/pam-jwt-ssh
	export BROWSER=$top_srcdir/tests/e2e/browser_signin.py BROWSER_SIGNIN_CA=$1
	export BROWSER_SIGNIN_LOG=$T/browser.log
	mkdir -p "$XDG_CONFIG_HOME/pam-jwt" "$XDG_RUNTIME_DIR" "$HOME"
	chmod 0700 "$XDG_RUNTIME_DIR"
	CLIENT_CONF=$XDG_CONFIG_HOME/pam-jwt/client.conf
}

jssh() { timeout 60 "$top_builddir/pam-jwt-ssh" -F "$SSHCFG" "$@" < /dev/null; }
