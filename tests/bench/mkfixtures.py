#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Fixtures for the benchmarks, made by python3-jwcrypto.

    mkfixtures.py DIR [SUB]

For each of RS256 PS256 ES256 ES384 ES512 EdDSA: DIR/ALG.jwt (iss
https://bench.test, aud ssh://bench.test, sub nobody, valid one day),
DIR/ALG.pem (public key, for libjwt), DIR/ALG.jwk (public JWK, for cjose),
DIR/ALG.jwks (a key set holding only that key, for pam_jwt).  SUB is the
tokens' subject (default nobody).
DIR/password and DIR/password.yescrypt: a password and its yescrypt hash
(Debian's default ENCRYPT_METHOD since bookworm), for pam_unix beside us.
DIR/scale-N.jwks for N in 1 10 100 1000: N ES256 keys, the one that signed
ES256.jwt last (the worst place for a kid lookup); DIR/rsa-scale-N.jwks the
same with RS256 keys around RS256.jwt's.
DIR/RS256.der: that key as DER SubjectPublicKeyInfo (the floor module).
DIR/mint.pem, DIR/mint.jwks: the ES256 key bench_pam mints one_time tokens
with (kid "mint").
DIR/revoked-N for N in 1 50000: revocation lists of N lines naming neither
the bench tokens' sub nor their jti.
"""
import json
import sys
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import crypt  # deprecated, still in Python 3.11; libxcrypt underneath does yescrypt
import time

from jwcrypto import jwk, jwt

out = sys.argv[1]
now = int(time.time())
KEYGEN = {
    "RS256": dict(kty="RSA", size=2048), "PS256": dict(kty="RSA", size=2048),
    "ES256": dict(kty="EC", crv="P-256"), "ES384": dict(kty="EC", crv="P-384"),
    "ES512": dict(kty="EC", crv="P-521"), "EdDSA": dict(kty="OKP", crv="Ed25519"),
}
claims = {"iss": "https://bench.test", "aud": "ssh://bench.test",
          "sub": sys.argv[2] if len(sys.argv) > 2 else "nobody",
          "iat": now, "exp": now + 86400, "jti": "bench"}


def write(name, text):
    with open(f"{out}/{name}", "w") as f:
        f.write(text)


keys = {}
for alg, params in KEYGEN.items():
    key = jwk.JWK.generate(kid=f"bench-{alg.lower()}", **params)
    keys[alg] = key
    pub = json.loads(key.export_public())
    t = jwt.JWT(header={"alg": alg, "kid": key.kid, "typ": "JWT"}, claims=claims)
    t.make_signed_token(key)
    write(f"{alg}.jwt", t.serialize())
    write(f"{alg}.pem", key.export_to_pem(private_key=False, password=None).decode())
    write(f"{alg}.jwk", json.dumps(pub))
    write(f"{alg}.jwks", json.dumps({"keys": [pub]}))

others = [json.loads(jwk.JWK.generate(kty="EC", crv="P-256", kid=f"other-{i}").export_public())
          for i in range(999)]
target = json.loads(keys["ES256"].export_public())
for n in (1, 10, 100, 1000):
    write(f"scale-{n}.jwks", json.dumps({"keys": others[:n - 1] + [target]}))

from cryptography.hazmat.primitives import serialization  # noqa: E402

with open(f"{out}/RS256.der", "wb") as f:
    f.write(keys["RS256"].get_op_key("verify").public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
rsa_others = [json.loads(jwk.JWK.generate(kty="RSA", size=2048, kid=f"rsa-other-{i}").export_public())
              for i in range(9)]
rsa_target = json.loads(keys["RS256"].export_public())
for n in (1, 1000):
    # 999 distinct RSA keys would take minutes to generate: the 9 repeat
    # under their own kids, which is all a kid lookup can tell apart.
    filler = [dict(rsa_others[i % 9], kid=f"rsa-other-{i}") for i in range(n - 1)]
    write(f"rsa-scale-{n}.jwks", json.dumps({"keys": filler + [rsa_target]}))
mint = jwk.JWK.generate(kty="EC", crv="P-256", kid="mint")
write("mint.pem", mint.export_to_pem(private_key=True, password=None).decode())
write("mint.jwks", json.dumps({"keys": [json.loads(mint.export_public())]}))
for n in (1, 50000):
    write(f"revoked-{n}", "".join(f"{'jti' if i % 2 else 'sub'} revoked-{i:06d}\n"
                                  for i in range(n)))

# A fixed salt: only the cost parameters (j9T, Debian's default) matter here.
PASSWORD = "bench password 1"
hashed = crypt.crypt(PASSWORD, "$y$j9T$F5Jx5fExrKuPp53xLKQ..1")
if not hashed or not hashed.startswith("$y$"):
    sys.exit("cannot make a yescrypt hash")
write("password", PASSWORD)
write("password.yescrypt", hashed)
