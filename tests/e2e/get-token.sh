#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# get-token.sh CLIENT RESOURCE [ALG] - print a JWT access token from the test IdP.
#
# Runs the OAuth 2.0 client credentials grant (RFC 6749 4.4) with a resource
# indicator (RFC 8707) against the running idp.mjs and prints the raw access
# token only.  The token's aud is RESOURCE (without any ?query part).
#
#   CLIENT    alice-cli, alice-long, bob-cli (see CLIENTS in idp.mjs)
#   RESOURCE  e.g. ssh://127.0.0.1; query options alg=, ttl=, len= (see idp.mjs)
#   ALG       RS256 (default), ES256 or EdDSA: shorthand for RESOURCE?alg=ALG
#
# Environment:
#   IDP_DIR        a run-idp.sh directory: issuer and CA are taken from it
#   IDP_ISSUER     issuer URL (default: $IDP_DIR/issuer, else https://127.0.0.1:8443)
#   IDP_CA         CA certificate (default: $IDP_DIR/ca.pem)
#   CLIENT_SECRET  client secret (default: CLIENT-secret)
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 CLIENT RESOURCE [ALG]" >&2
    exit 2
fi
client=$1
resource=$2
if [ $# -eq 3 ]; then
    case $resource in
    *\?*) resource="$resource&alg=$3" ;;
    *) resource="$resource?alg=$3" ;;
    esac
fi

dir=${IDP_DIR:-}
issuer=${IDP_ISSUER:-}
if [ -z "$issuer" ] && [ -n "$dir" ] && [ -s "$dir/issuer" ]; then
    issuer=$(cat "$dir/issuer")
fi
issuer=${issuer:-https://127.0.0.1:8443}
ca=${IDP_CA:-${dir:+$dir/ca.pem}}
if [ -z "$ca" ]; then
    echo "$0: set IDP_CA (or IDP_DIR) to the IdP's CA certificate" >&2
    exit 2
fi

response=$(curl -sS --connect-timeout 5 --max-time 20 --cacert "$ca" \
    -u "$client:${CLIENT_SECRET:-$client-secret}" \
    -d grant_type=client_credentials --data-urlencode "resource=$resource" \
    "$issuer/token") || {
    echo "$0: token request to $issuer/token failed" >&2
    exit 1
}

# A JWS compact serialisation holds only [A-Za-z0-9_.-]: no JSON escapes to undo.
token=$(printf '%s' "$response" | sed -n 's/.*"access_token":"\([A-Za-z0-9_.-]*\)".*/\1/p')
if [ -z "$token" ]; then
    echo "$0: no access token in response: $response" >&2
    exit 1
fi
printf '%s\n' "$token"
