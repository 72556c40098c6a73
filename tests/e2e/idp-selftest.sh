#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# idp-selftest.sh - check the test CA (tests/tls/mkca.sh) and the test IdP
# (idp.mjs, run-idp.sh, get-token.sh) end to end.  Starts the IdP on a free
# loopback port in a temporary directory, fetches discovery and JWKS, gets
# tokens of every kind, checks their claims and verifies their signatures
# with python3-jwcrypto, stops the IdP.  Exits 0 only if every check passed.
set -euo pipefail

e2e=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
py=/usr/bin/python3

if ! "$py" -c 'import jwcrypto' 2>/dev/null; then
    echo "installing python3-jwcrypto" >&2
    if [ "$(id -u)" != 0 ]; then
        echo "$0: python3-jwcrypto is missing: apt-get install python3-jwcrypto" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get install -y -q python3-jwcrypto >&2 ||
        { timeout 300 apt-get update -q >&2 && timeout 300 apt-get install -y -q python3-jwcrypto >&2; }
fi

dir=$(mktemp -d)
cleanup() {
    "$e2e/run-idp.sh" stop "$dir" || true
    rm -rf "$dir"
}
trap cleanup EXIT

start=$(date +%s%N)
export IDP_PORT=${IDP_PORT:-0}
issuer=$("$e2e/run-idp.sh" start "$dir")
echo "# IdP ready at $issuer after $((($(date +%s%N) - start) / 1000000)) ms"

IDP_DIR=$dir E2E=$e2e ISSUER=$issuer "$py" - <<'EOF'
import json, os, subprocess, sys, time
from jwcrypto import jwk, jws
from jwcrypto.common import base64url_decode, base64url_encode

d, e2e, issuer = os.environ['IDP_DIR'], os.environ['E2E'], os.environ['ISSUER']
passed = failed = 0

def check(name, ok, detail=''):
    global passed, failed
    if ok:
        passed += 1
        print(f'ok - {name}')
    else:
        failed += 1
        print(f'not ok - {name} {detail}')

def run(*args, **env):
    return subprocess.run(args, capture_output=True, text=True, timeout=30,
                          env={**os.environ, **env})

def curl_json(url):
    r = run('curl', '-sS', '--fail', '--connect-timeout', '5', '--max-time', '10',
            '--cacert', f'{d}/ca.pem', url)
    return json.loads(r.stdout) if r.returncode == 0 else {}

def part(tok, i):
    return json.loads(base64url_decode(tok.split('.')[i]))

# The test CA.
def verify(cert, *opts):
    return run('openssl', 'verify', '-CAfile', f'{d}/ca.pem', *opts, f'{d}/{cert}.pem')
check('mkca: server.pem valid for 127.0.0.1, ::1, localhost',
      all(verify('server', o, h).returncode == 0 for o, h in
          [('-verify_ip', '127.0.0.1'), ('-verify_ip', '::1'), ('-verify_hostname', 'localhost')]))
r = verify('expired')
check('mkca: expired.pem is expired', r.returncode != 0 and 'expired' in r.stdout + r.stderr)
check('mkca: wronghost.pem is signed by the CA', verify('wronghost').returncode == 0)
check('mkca: wronghost.pem not valid for 127.0.0.1', verify('wronghost', '-verify_ip', '127.0.0.1').returncode != 0)
check('mkca: private keys are mode 0600',
      all(os.stat(f'{d}/{n}.key').st_mode & 0o777 == 0o600 for n in ('ca', 'server', 'expired', 'wronghost')))

# Discovery and JWKS.
disc = curl_json(f'{issuer}/.well-known/openid-configuration')
check('discovery: issuer', disc.get('issuer') == issuer, disc.get('issuer'))
check('discovery: https jwks_uri', disc.get('jwks_uri') == f'{issuer}/jwks', disc.get('jwks_uri'))
check('discovery: https token_endpoint', disc.get('token_endpoint') == f'{issuer}/token')
check('discovery: client_credentials grant', 'client_credentials' in disc.get('grant_types_supported', []))
served = curl_json(disc.get('jwks_uri', f'{issuer}/jwks'))
keys = served.get('keys', [])
check('jwks: RS256, ES256 and EdDSA keys', sorted(k.get('alg') for k in keys) == ['ES256', 'EdDSA', 'RS256'])
check('jwks: no private key material', not any(m in k for k in keys for m in ('d', 'p', 'q')))
check('jwks: jwks.public.json is the served JWKS', json.load(open(f'{d}/jwks.public.json')) == served)
keyset = jwk.JWKSet.from_json(json.dumps(served))

def get_token(client, resource, *alg, **env):
    r = run(f'{e2e}/get-token.sh', client, resource, *alg, IDP_DIR=d, **env)
    return r.stdout.strip() if r.returncode == 0 else None

def sig_ok(tok, alg):
    try:
        s = jws.JWS()
        s.deserialize(tok)
        s.allowed_algs = [alg]
        s.verify(keyset.get_key(part(tok, 0)['kid']), alg=alg)
        return True
    except Exception:
        return False

lengths = {}
def token_case(name, client, resource, alg_arg, alg, aud, user, groups, ttl=300, length=None):
    tok = get_token(client, resource, *alg_arg)
    check(f'{name}: token issued', bool(tok))
    if not tok:
        return None
    lengths[name] = len(tok)
    h, p, now = part(tok, 0), part(tok, 1), time.time()
    key = next((k for k in keys if k.get('kid') == h.get('kid')), {})
    check(f'{name}: header alg {alg}, typ at+jwt, kid in JWKS',
          h.get('alg') == alg and h.get('typ') == 'at+jwt' and key.get('alg') == alg, h)
    check(f'{name}: iss', p.get('iss') == issuer, p.get('iss'))
    check(f'{name}: aud', p.get('aud') == aud, p.get('aud'))
    check(f'{name}: preferred_username and sub', p.get('preferred_username') == user and p.get('sub') == user)
    check(f'{name}: groups', p.get('groups') == groups, p.get('groups'))
    check(f'{name}: iat, exp (ttl {ttl}), jti',
          isinstance(p.get('iat'), int) and abs(p['iat'] - now) < 30 and p.get('exp') == p['iat'] + ttl
          and isinstance(p.get('jti'), str) and len(p['jti']) >= 16, p)
    if length:
        check(f'{name}: length {length}', len(tok) == length, len(tok))
    check(f'{name}: signature verifies against the JWKS', sig_ok(tok, alg))
    return tok

std = ['developers', 'ops']
rs = token_case('RS256', 'alice-cli', 'ssh://127.0.0.1', [], 'RS256', 'ssh://127.0.0.1', 'alice', std)
es = token_case('ES256', 'alice-cli', 'ssh://127.0.0.1', ['ES256'], 'ES256', 'ssh://127.0.0.1', 'alice', std)
token_case('EdDSA', 'alice-cli', 'ssh://127.0.0.1', ['EdDSA'], 'EdDSA', 'ssh://127.0.0.1', 'alice', std)
token_case('ES256 by path', 'alice-cli', 'ssh://127.0.0.1/es256', [], 'ES256', 'ssh://127.0.0.1/es256', 'alice', std)
token_case('long RS256', 'alice-long', 'ssh://127.0.0.1', [], 'RS256', 'ssh://127.0.0.1', 'alice', std, length=2500)
token_case('long ES256', 'alice-long', 'ssh://127.0.0.1', ['ES256'], 'ES256', 'ssh://127.0.0.1', 'alice', std, length=2500)
token_case('len=4097 EdDSA', 'bob-cli', 'ssh://127.0.0.1?len=4097', ['EdDSA'], 'EdDSA', 'ssh://127.0.0.1', 'bob', ['developers'], length=4097)
token_case('ttl=60', 'bob-cli', 'ssh://host.test?ttl=60', [], 'RS256', 'ssh://host.test', 'bob', ['developers'], ttl=60)

for name, tok, alg in (('RS256', rs, 'RS256'), ('ES256', es, 'ES256')):
    if tok:
        h, p, s = tok.split('.')
        forged = h + '.' + base64url_encode(json.dumps({**part(tok, 1), 'preferred_username': 'root'})) + '.' + s
        check(f'{name}: altered token still parses', part(forged, 1)['preferred_username'] == 'root')
        check(f'{name}: altered token does not verify', not sig_ok(forged, alg))
        check(f'{name}: not valid with another alg', not sig_ok(tok, 'ES256' if alg == 'RS256' else 'RS256'))

check('grant refused with a wrong client secret', get_token('alice-cli', 'ssh://127.0.0.1', CLIENT_SECRET='nope') is None)
check('grant refused for an unknown client', get_token('mallory-cli', 'ssh://127.0.0.1') is None)
check('grant refused for an unknown alg', get_token('alice-cli', 'ssh://127.0.0.1', 'HS256') is None)

# Restart in the same directory: same keys, and start is idempotent.
kids = sorted(k['kid'] for k in keys)
r = run(f'{e2e}/run-idp.sh', 'start', d)
check('run-idp.sh start while running prints the issuer', r.returncode == 0 and r.stdout.strip() == issuer)
r1 = run(f'{e2e}/run-idp.sh', 'stop', d)
r2 = run(f'{e2e}/run-idp.sh', 'start', d)
again = curl_json(r2.stdout.strip() + '/jwks') if r2.returncode == 0 else {}
check('restart keeps the signing keys (IDP_JWKS)', r1.returncode == 0 and sorted(k['kid'] for k in again.get('keys', [])) == kids)

print('# token lengths: ' + ', '.join(f'{k} {v}' for k, v in lengths.items()))
print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
EOF
