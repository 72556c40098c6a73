#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Keys, tokens and expected verdicts minted by an independent JOSE library.

    /usr/bin/python3 tests/vectors/mint_jwcrypto.py OUTDIR

Writes OUTDIR/jwks.json (public keys), OUTDIR/hmac.key (64 raw bytes),
OUTDIR/NAME.jwt per case and OUTDIR/cases.tsv lines
"name<TAB>config<TAB>user<TAB>VERDICT<TAB>description".  Verification time
is 1700000100; config "main" allows all 14 algorithms with hmac.key,
"restricted" allows RS256 ES256 with max_lifetime 3600, required_claim
realm_access.roles ssh-login, allowed_groups admins ops (see tests/lib.sh).
"""
import base64
import json
import os
import sys

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import ec
from jwcrypto import jwe, jwk, jws, jwt
from jwcrypto.jwa import JWA

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
IAT, NOW = 1700000000, 1700000100
ISS, AUD = "https://idp.test/realm", "ssh://host.test"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def gen(kid, **kw):
    k = jwk.JWK.generate(**kw)
    return jwk.JWK(**dict(json.loads(k.export_private()), kid=kid))


keys = {
    "rsa": gen("rsa", kty="RSA", size=2048),
    "p256": gen("p256", kty="EC", crv="P-256"),
    "p384": gen("p384", kty="EC", crv="P-384"),
    "p521": gen("p521", kty="EC", crv="P-521"),
    "ed25519": gen("ed25519", kty="OKP", crv="Ed25519"),
    "ed448": gen("ed448", kty="OKP", crv="Ed448"),
    "rsa1024": gen("rsa1024", kty="RSA", size=1024),
    "enc": gen("enc", kty="RSA", size=2048),
}
attacker_rsa = gen("rsa", kty="RSA", size=2048)
attacker_ec = gen("p256", kty="EC", crv="P-256")
extra = {"rsa": {"use": "sig"}, "p256": {"alg": "ES256"}, "enc": {"use": "enc"}}
public = [dict(json.loads(k.export_public()), **extra.get(kid, {})) for kid, k in keys.items()]
with open(f"{out}/jwks.json", "w") as f:
    json.dump({"keys": public}, f, indent=1)
secret = os.urandom(64)
with open(f"{out}/hmac.key", "wb") as f:
    f.write(secret)
os.chmod(f"{out}/hmac.key", 0o600)
hmac_key = jwk.JWK(kty="oct", k=b64(secret), kid="hmac")

serial = 0


def claims(config="main", **kw):
    global serial
    serial += 1
    c = {"iss": ISS, "aud": AUD, "sub": "alice", "iat": IAT, "exp": IAT + 600,
         "jti": f"jti-{serial}"}
    if config == "restricted":
        c.update(realm_access={"roles": ["ssh-login"]}, groups=["ops"])
    c.update(kw)
    return {k: v for k, v in c.items() if v is not None}


def signed(key, alg, payload, header=None):
    """A compact JWS made by jwcrypto; payload is a dict or raw bytes."""
    h = {"alg": alg, "kid": key.get("kid"), "typ": "JWT"}
    h.update(header or {})
    h = {k: v for k, v in h.items() if v is not None}
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    s = jws.JWS(raw)
    s.allowed_algs = [alg]
    s.add_signature(key, alg=alg, protected=json.dumps(h))
    return s.serialize(compact=True)


def by_hand(header, payload_bytes, sign):
    """Signing input assembled here; sign(bytes) -> signature bytes."""
    si = b64(json.dumps(header).encode()) + "." + b64(payload_bytes)
    return si + "." + b64(sign(si.encode()))


def rsa_sign(key):
    priv = key.get_op_key("sign")
    from cryptography.hazmat.primitives.asymmetric import padding
    return lambda data: priv.sign(data, padding.PKCS1v15(), hashes.SHA256())


cases = []


def case(name, token, verdict, desc, config="main", user="alice"):
    with open(f"{out}/{name}.jwt", "w") as f:
        f.write(token)
    cases.append((name, config, user, verdict, desc))


# --- every algorithm, accepted -------------------------------------------
for alg in ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]:
    case(alg.lower(), signed(keys["rsa"], alg, claims()), "OK", f"{alg} by jwcrypto")
for alg, kid in [("ES256", "p256"), ("ES384", "p384"), ("ES512", "p521")]:
    case(alg.lower(), signed(keys[kid], alg, claims()), "OK", f"{alg} ({kid})")
case("eddsa_ed25519", signed(keys["ed25519"], "EdDSA", claims()), "OK", "EdDSA Ed25519")
case("eddsa_ed448", signed(keys["ed448"], "EdDSA", claims()), "OK", "EdDSA Ed448")
for alg in ["HS256", "HS384", "HS512"]:
    case(alg.lower(), signed(hmac_key, alg, claims()), "OK", f"{alg} with the local secret")
case("es256_nokid", signed(keys["p256"], "ES256", claims(), {"kid": None}), "OK",
     "no kid: key chosen by alg and kty")
case("aud_array", signed(keys["rsa"], "RS256", claims(aud=["other", AUD])), "OK",
     "aud array containing ours")
case("restricted_ok", signed(keys["rsa"], "RS256", claims("restricted")), "OK",
     "all restricted rules met", "restricted")
case("restricted_es256_ok", signed(keys["p256"], "ES256", claims("restricted")), "OK",
     "restricted ES256", "restricted")

# --- algorithm and key confusion -----------------------------------------
for spelling in ["none", "None", "NONE", "nOnE"]:
    h = b64(json.dumps({"alg": spelling, "kid": "rsa", "typ": "JWT"}).encode())
    case(f"alg_{spelling}", h + "." + b64(json.dumps(claims()).encode()) + ".",
         "ALG_REFUSED", f"alg {spelling}, empty signature")
pem = keys["rsa"].export_to_pem()  # the public key PEM: the classic confusion secret


def hs256_with(secret_bytes):
    def sign(data):
        m = hmac.HMAC(secret_bytes, hashes.SHA256())
        m.update(data)
        return m.finalize()
    return sign


confused = by_hand({"alg": "HS256", "kid": "rsa", "typ": "JWT"}, json.dumps(claims()).encode(),
                   hs256_with(pem))
case("hs256_rsa_pubkey", confused, "BAD_SIGNATURE", "HS256 keyed with the RSA public key PEM")
case("hs256_rsa_pubkey_restricted", confused, "ALG_REFUSED", "same, HS256 not allowed",
     "restricted")
good = signed(keys["rsa"], "RS256", claims())
h, p, s = good.split(".")
sig = bytearray(base64.urlsafe_b64decode(s + "=="))
sig[17] ^= 0x01
case("flipped_sig", f"{h}.{p}.{b64(bytes(sig))}", "BAD_SIGNATURE", "one signature bit flipped")
case("wrong_key", signed(attacker_rsa, "RS256", claims()), "BAD_SIGNATURE",
     "kid rsa, signed by another RSA key")
case("kid_unknown", signed(keys["rsa"], "RS256", claims(), {"kid": "nope"}), "KEY_NOT_FOUND",
     "kid not in the key set")
zero = by_hand({"alg": "ES256", "kid": "p256", "typ": "JWT"}, json.dumps(claims()).encode(),
               lambda d: bytes(64))
case("es256_zero_sig", zero, "BAD_SIGNATURE", "ECDSA all-zero signature")
ecpriv = keys["p256"].get_op_key("sign")
der = by_hand({"alg": "ES256", "kid": "p256", "typ": "JWT"}, json.dumps(claims()).encode(),
              lambda d: ecpriv.sign(d, ec.ECDSA(hashes.SHA256())))
case("es256_der_sig", der, "BAD_SIGNATURE", "ECDSA signature in DER, not R||S")
case("embedded_jwk", signed(attacker_ec, "ES256", claims(),
                            {"jwk": json.loads(attacker_ec.export_public())}),
     "BAD_SIGNATURE", "attacker key embedded as header jwk")
case("jku_header", signed(attacker_rsa, "RS256", claims(), {"jku": "https://evil.test/jwks"}),
     "BAD_SIGNATURE", "jku pointing at attacker keys")
case("x5u_header", signed(attacker_rsa, "RS256", claims(), {"x5u": "https://evil.test/x5"}),
     "BAD_SIGNATURE", "x5u pointing at attacker certificate")
crit = by_hand({"alg": "RS256", "kid": "rsa", "typ": "JWT", "crit": ["exp2"], "exp2": 1},
               json.dumps(claims()).encode(), rsa_sign(keys["rsa"]))
case("crit_unknown", crit, "UNSUPPORTED", "unknown crit parameter")
case("rsa1024", signed(keys["rsa1024"], "RS256", claims()), "KEY_REFUSED", "RSA-1024 key")
case("enc_key", signed(keys["enc"], "RS256", claims()), "KEY_REFUSED", "key with use enc")
case("ec_key_rs256", by_hand({"alg": "RS256", "kid": "p256", "typ": "JWT"},
                             json.dumps(claims()).encode(), rsa_sign(keys["rsa"])),
     "KEY_REFUSED", "EC key named for RS256")
case("alg_not_allowed", signed(keys["p384"], "ES384", claims("restricted")), "ALG_REFUSED",
     "ES384 outside the allow-list", "restricted")

# --- encoding and structure ----------------------------------------------
hdr = {"alg": "RS256", "kid": "rsa", "typ": "JWT", "x": "ab"}
while len(b64(json.dumps(hdr).encode())) % 4 == 0:
    hdr["x"] += "a"
padded = by_hand(hdr, json.dumps(claims()).encode(), rsa_sign(keys["rsa"]))
h, rest = padded.split(".", 1)
case("padded_b64", h + "=" * (-len(h) % 4) + "." + rest, "MALFORMED", "base64 padding in header")
for i in range(200):
    t = signed(keys["rsa"], "RS256", claims())
    if "-" in t.split(".")[2] or "_" in t.split(".")[2]:
        break
else:
    sys.exit("non_url_b64: no '-' or '_' in 200 signatures")
h, p, s = t.split(".")
case("non_url_b64", f"{h}.{p}.{s.replace('-', '+').replace('_', '/')}", "MALFORMED",
     "standard base64 alphabet in signature")
e = jwe.JWE(b"secret", protected=json.dumps({"alg": "RSA-OAEP", "enc": "A256GCM"}))
e.add_recipient(keys["enc"])
case("jwe_five_parts", e.serialize(compact=True), "UNSUPPORTED", "five-part JWE")
case("huge_token", signed(keys["rsa"], "RS256", claims(pad="x" * 262144)), "TOO_LONG",
     "256 KiB token")
case("payload_array", signed(keys["rsa"], "RS256", b"[1,2,3]"), "BAD_PAYLOAD",
     "signed payload is an array")
case("payload_nested", signed(keys["rsa"], "RS256", b"[" * 5000 + b"]" * 5000), "BAD_PAYLOAD",
     "signed payload nested 5000 deep")
case("payload_not_json", signed(keys["rsa"], "RS256", b"not json"), "BAD_PAYLOAD",
     "signed payload is not JSON")
deep = ('{"alg":"RS256","kid":"rsa","x":' + "[" * 5000 + "]" * 5000 + "}").encode()
case("header_nested", b64(deep) + "." + b64(json.dumps(claims()).encode()) + "." + b64(b"sig"),
     "MALFORMED", "header nested 5000 deep")
long_tok = signed(keys["rsa"], "RS256", claims(pad="y" * 900))
case("truncated", long_tok[:1023], "TRUNCATED", "cut to 1023 characters by the ssh client")
for pad in range(300, 2000, 10):  # a token whose cut at 1023 falls inside the signature
    cut_src = signed(keys["rsa"], "RS256", claims(pad="z" * pad))
    if 1023 < len(cut_src) < 1023 + 300 and cut_src.rindex(".") < 1000:
        break
else:
    sys.exit("no padding puts the 1023 cut inside the signature")
case("truncated_sig", cut_src[:1023], "TRUNCATED", "cut inside the signature at 1023")

# --- claims ----------------------------------------------------------------
R = lambda **kw: signed(keys["rsa"], "RS256", claims(**kw))
case("exp_missing", R(exp=None), "BAD_CLAIM", "no exp")
case("exp_string", R(exp="1700000600"), "BAD_CLAIM", "exp is a string")
case("exp_past", R(iat=1699990000, exp=1699990600), "EXPIRED", "expired long ago")
case("nbf_future", R(nbf=1700001000), "NOT_YET_VALID", "nbf in the future")
case("iat_future", R(iat=1700001000, exp=1700001600), "ISSUED_IN_FUTURE", "iat in the future")
case("iss_prefix", R(iss=ISS + "-evil"), "UNKNOWN_ISSUER", "our issuer as a prefix")
case("iss_suffix", R(iss=ISS[:-1]), "UNKNOWN_ISSUER", "a prefix of our issuer")
case("iss_missing", R(iss=None), "UNKNOWN_ISSUER", "no iss")
case("aud_missing", R(aud=None), "WRONG_AUDIENCE", "no aud")
case("aud_other", R(aud="ssh://other.test"), "WRONG_AUDIENCE", "another host's aud")
case("aud_array_other", R(aud=["a", "b"]), "WRONG_AUDIENCE", "aud array without ours")
case("user_mismatch", R(sub="bob"), "USER_MISMATCH", "bob's token for alice")
case("root", R(sub="root"), "ROOT_REFUSED", "uid 0", user="root")
case("nul_username", R(sub="ali\u0000ce"), "BAD_USERNAME", "NUL inside the username claim")
case("slash_username", R(sub="../alice"), "BAD_USERNAME", "path in the username claim")
case("user_unknown", R(sub="mallory"), "USER_UNKNOWN", "no such local user", user="mallory")
RR = lambda **kw: signed(keys["rsa"], "RS256", claims("restricted", **kw))
case("lifetime", RR(exp=1700007200), "LIFETIME", "2 h token, max_lifetime 1 h", "restricted")
case("claim_missing", RR(realm_access=None), "CLAIM_MISMATCH", "required claim absent",
     "restricted")
case("claim_other", RR(realm_access={"roles": ["admin"]}), "CLAIM_MISMATCH",
     "required claim with another value", "restricted")
case("group_denied", RR(groups=["dev"]), "GROUP_DENIED", "no allowed group", "restricted")

with open(f"{out}/cases.tsv", "w") as f:
    for c in cases:
        f.write("\t".join(c) + "\n")

# Self-check 1: jwcrypto accepts every OK token as a JWT (claims not checked),
# key looked up by kid in the published set (plus the local HMAC secret).
ALL = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
       "EdDSA", "HS256", "HS384", "HS512"]
keyset = jwk.JWKSet.from_json(json.dumps({"keys": public}))
keyset.add(hmac_key)
# Self-check 2: where the verdict must not come from the signature, the
# signature verifies with the named key; every BAD_SIGNATURE token fails.
SIGNED = {"OK", "KEY_REFUSED", "BAD_PAYLOAD", "BAD_CLAIM", "EXPIRED", "NOT_YET_VALID",
          "ISSUED_IN_FUTURE", "UNKNOWN_ISSUER", "WRONG_AUDIENCE", "USER_MISMATCH",
          "ROOT_REFUSED", "BAD_USERNAME", "USER_UNKNOWN", "LIFETIME", "CLAIM_MISMATCH",
          "GROUP_DENIED"}
ALSO_SIGNED = {"crit_unknown", "non_url_b64", "huge_token", "alg_not_allowed"}


def sig_verifies(tok):
    si, s = tok.rsplit(".", 1)
    head = json.loads(base64.urlsafe_b64decode(si.split(".")[0] + "=="))
    alg, kid = head["alg"], head.get("kid")
    key = hmac_key if alg.startswith("HS") else keys[kid or "p256"]  # es256_nokid
    try:
        JWA.signing_alg(alg).verify(key, si.encode(), base64.b64decode(
            s.replace("-", "+").replace("_", "/") + "=" * (-len(s) % 4), validate=True))
        return True
    except Exception:  # noqa: BLE001 - any failure means "does not verify"
        return False


failed = []
for k in public:
    if set(k) & {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}:
        failed.append(f"jwks.json: private member in {k['kid']}")
for name, config, user, verdict, desc in cases:
    tok = open(f"{out}/{name}.jwt").read()
    if tok != tok.strip() or "\t" in desc:
        failed.append(f"{name}: whitespace in token or tab in description")
    if verdict == "OK":
        try:
            jwt.JWT(jwt=tok, key=keyset, check_claims=False, algs=ALL)
        except Exception as e:  # noqa: BLE001 - report every failure
            failed.append(f"{name}: jwcrypto refuses an OK token: {e!r}")
    want = (False if verdict == "BAD_SIGNATURE" else
            True if (verdict in SIGNED and name != "ec_key_rs256") or name in ALSO_SIGNED
            else None)
    if want is not None and sig_verifies(tok) != want:
        failed.append(f"{name}: signature {'does not verify' if want else 'verifies'}")
if len(open(f"{out}/huge_token.jwt").read()) < 256 * 1024 or len(long_tok) <= 1100:
    failed.append("huge_token or truncated source too short")
for f in failed:
    print("self-check FAILED:", f, file=sys.stderr)
if failed:
    sys.exit(1)
print(f"{len(cases)} cases written to {out}; self-check passed")
