#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Keys, key sets and tokens for the refresh tests, made by python3-jwcrypto.

    keys.py gen DIR KID                 new ES256 key DIR/KID.jwk (private)
    keys.py jwks DIR KID...             public JWKS of those keys on stdout
    keys.py token DIR KID ISS [HDRKID]  token for alice, aud ssh://host.test,
                                        valid now for 300 s, signed by KID,
                                        with HDRKID in its header if given
    keys.py flood DIR KID ISS N         N tokens signed by KID, each naming
                                        a random kid no key set holds
"""
import json
import sys
import time
import uuid

from jwcrypto import jwk, jwt


def load(d, kid):
    with open(f"{d}/{kid}.jwk") as f:
        return jwk.JWK.from_json(f.read())


def token(key, iss, kid):
    now = int(time.time())
    claims = {"iss": iss, "aud": "ssh://host.test", "sub": "alice", "iat": now,
              "exp": now + 300, "jti": str(uuid.uuid4())}
    t = jwt.JWT(header={"alg": "ES256", "kid": kid, "typ": "JWT"}, claims=claims)
    t.make_signed_token(key)
    return t.serialize()


cmd, d = sys.argv[1], sys.argv[2]
if cmd == "gen":
    key = jwk.JWK.generate(kty="EC", crv="P-256", kid=sys.argv[3])
    with open(f"{d}/{sys.argv[3]}.jwk", "w") as f:
        f.write(key.export_private())
elif cmd == "jwks":
    print(json.dumps({"keys": [json.loads(load(d, k).export_public()) for k in sys.argv[3:]]}))
elif cmd == "token":
    kid = sys.argv[5] if len(sys.argv) > 5 else sys.argv[3]
    print(token(load(d, sys.argv[3]), sys.argv[4], kid))
elif cmd == "flood":
    key = load(d, sys.argv[3])
    for _ in range(int(sys.argv[5])):
        print(token(key, sys.argv[4], "random-" + uuid.uuid4().hex))
else:
    sys.exit(f"unknown command {cmd}")
