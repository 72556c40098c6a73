#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Tokens valid *now* for the PAM-stack tests, signed by python3-jwcrypto.

    mint_live.py OUTDIR [REALUSER]

Writes OUTDIR/jwks.json (public ES256 + RS256 keys) and one OUTDIR/NAME.jwt
per case below, each iss https://idp.test/realm, aud ssh://host.test.
"""
import json
import sys
import time
import uuid

from jwcrypto import jwk, jwt

out = sys.argv[1]
real = sys.argv[2] if len(sys.argv) > 2 else "carol"
now = int(time.time())

ec = jwk.JWK.generate(kty="EC", crv="P-256", kid="live-ec")
rsa = jwk.JWK.generate(kty="RSA", size=2048, kid="live-rsa")
keys = {"keys": [json.loads(ec.export_public()), json.loads(rsa.export_public())]}
with open(f"{out}/jwks.json", "w") as f:
    json.dump(keys, f)


def token(key, alg, **claims):
    body = {"iss": "https://idp.test/realm", "aud": "ssh://host.test", "sub": "alice",
            "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())}
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    t = jwt.JWT(header={"alg": alg, "kid": key.kid, "typ": "JWT"}, claims=body)
    t.make_signed_token(key)
    return t.serialize()


cases = {
    "ok": token(ec, "ES256", groups=["ops", "developers", "nobody-maps-this"]),
    "ok_rsa": token(rsa, "RS256"),
    "expired": token(ec, "ES256", iat=now - 1000, exp=now - 700),
    "wrong_aud": token(ec, "ES256", aud="ssh://other.test"),
    "other_user": token(ec, "ES256", sub="bob"),
    "mallory": token(ec, "ES256", sub="mallory"),
    "root": token(ec, "ES256", sub="root"),
    "real": token(ec, "ES256", sub=real),
    "long": token(rsa, "RS256", pad="x" * 1200),
}
# RDP passwords hold 255 characters: a compact ES256 token, minimal claims.
compact = jwt.JWT(header={"alg": "ES256", "kid": ec.kid},
                  claims={"iss": "https://idp.test/realm", "aud": "ssh://host.test",
                          "sub": real, "exp": now + 300})
compact.make_signed_token(ec)
cases["compact"] = compact.serialize()
cases["compact_bad"] = cases["compact"][:-6] + "AAAAAA"
cases["truncated"] = cases["long"][:1023]
cases["bad_sig"] = cases["ok"][:-4] + ("AAAA" if not cases["ok"].endswith("AAAA") else "BBBB")
for name, tok in cases.items():
    with open(f"{out}/{name}.jwt", "w") as f:
        f.write(tok)
