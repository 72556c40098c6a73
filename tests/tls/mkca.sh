#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# mkca.sh DIR [HOST...] - make a throw-away test CA and certificates in DIR.
#
#   ca.pem / ca.key                  test CA (EC P-256, valid 1 day)
#   server.pem / server.key          SAN IP:127.0.0.1, IP:::1, DNS:localhost, DNS:HOST...
#   expired.pem / expired.key        same SANs, signed by the CA, notAfter in the past
#   wronghost.pem / wronghost.key    valid, signed by the CA, SAN DNS:wrong.test only
#
# Idempotent: if DIR already holds a complete set for the same HOST list whose
# CA is valid for at least one more hour, nothing is done; otherwise the whole
# set is made anew.  Private keys are mode 0600.  Needs only `openssl` (3.x).
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 DIR [HOST...]" >&2
    exit 2
fi
dir=$1
shift

san="IP:127.0.0.1,IP:::1,DNS:localhost"
for h in "$@"; do
    san="$san,DNS:$h"
done

files="ca.pem ca.key server.pem server.key expired.pem expired.key wronghost.pem wronghost.key"

mkdir -p "$dir"
complete=yes
for f in $files; do
    [ -s "$dir/$f" ] || complete=no
done
if [ "$complete" = yes ] && [ "$(cat "$dir/.mkca-san" 2>/dev/null)" = "$san" ] &&
    openssl x509 -in "$dir/ca.pem" -noout -checkend 3600 >/dev/null 2>&1; then
    exit 0
fi

umask 077
tmp=$(mktemp -d "$dir/.mkca.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# The CA.
newkey "$tmp/ca.key"
openssl req -x509 -new -key "$tmp/ca.key" -sha256 -days 1 \
    -subj "/O=pam_jwt tests/CN=pam_jwt test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$tmp/ca.pem"

# A minimal `openssl ca` setup: it is the only OpenSSL 3.0 way to pick
# arbitrary validity dates (needed for the expired certificate).
mkdir "$tmp/ca.db"
: >"$tmp/ca.db/index.txt"
cat >"$tmp/ca.cnf" <<EOF
[ ca ]
default_ca = testca
[ testca ]
dir           = $tmp
database      = \$dir/ca.db/index.txt
new_certs_dir = \$dir/ca.db
serial        = \$dir/ca.db/serial
certificate   = \$dir/ca.pem
private_key   = \$dir/ca.key
default_md    = sha256
policy        = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = supplied
[ leaf ]
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = \${ENV::LEAF_SAN}
EOF

# leaf NAME SAN STARTDATE ENDDATE (dates as YYYYMMDDHHMMSSZ, UTC)
leaf() {
    newkey "$tmp/$1.key"
    openssl req -new -key "$tmp/$1.key" -subj "/CN=pam_jwt test $1" -out "$tmp/$1.csr"
    LEAF_SAN=$2 openssl ca -batch -notext -config "$tmp/ca.cnf" -extensions leaf \
        -rand_serial -startdate "$3" -enddate "$4" \
        -in "$tmp/$1.csr" -out "$tmp/$1.pem" 2>"$tmp/ca.log" || { cat "$tmp/ca.log" >&2; return 1; }
}
utc() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

leaf server "$san" "$(utc now)" "$(utc '+1 day')"
leaf expired "$san" "$(utc '-2 days')" "$(utc '-1 day')"
leaf wronghost "DNS:wrong.test" "$(utc now)" "$(utc '+1 day')"

for f in $files; do
    case $f in
    *.key) chmod 0600 "$tmp/$f" ;;
    *) chmod 0644 "$tmp/$f" ;;
    esac
    mv -f "$tmp/$f" "$dir/$f"
done
printf '%s\n' "$san" >"$dir/.mkca-san"
chmod 0644 "$dir/.mkca-san"
