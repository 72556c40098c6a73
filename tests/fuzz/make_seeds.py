#!/usr/bin/python3
"""Regenerate the committed seed corpora of the libFuzzer harnesses.

    /usr/bin/python3 tests/fuzz/make_seeds.py [OUTDIR]     (default: tests/fuzz/corpus)

Needs Debian's python3-jwcrypto (hence /usr/bin/python3, not a pyenv python).
Keys are the published RFC example keys, so every seed token verifies against
the JWKS that fuzz_token.c writes at start-up:
  kid "rsa"  RFC 7515 A.2 (RSA-2048), kid "ec" RFC 7515 A.3 (P-256),
  kid "ed"   RFC 8037 A.1 (Ed25519).
fuzz_token.c verifies at FUZZ_NOW = 4102444800 (2100-01-01) for PAM user
"alice".  No seed may be accepted there: each token below carries a defect
that does not depend on the host (expired, wrong user, wrong audience, ...),
and no seed names "alice" with otherwise valid claims (whether that user
exists locally would decide the verdict).  The expected verdict is in the
file name; check them with  FUZZ_VERBOSE=1 build/fuzz_token corpus/token/*
"""
import base64
import json
import os
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from jwcrypto import jwe, jwk, jws

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_seeds_lines  # noqa: E402  (the line formats, and write())
from make_seeds_lines import write  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
top = os.path.dirname(os.path.dirname(here))

NOW = 4102444800           # FUZZ_NOW in fuzz_token.c
IAT = NOW - 600
ISS, ISS2, AUD = "https://idp.test", "https://other.test", "ssh://host.test"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def num(s):
    return int.from_bytes(unb64(s), "big")


# --- the RFC example keys (private halves published in the RFCs) ------------
RSA_N = ("ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP"
         "1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kp"
         "aSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG"
         "4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ")
RSA_D = ("Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7Yw"
         "Vol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqz"
         "jkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFa"
         "FQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ")
EC_X, EC_Y = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
EC_D = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"
ED_X, ED_D = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"

n, e, d = num(RSA_N), 65537, num(RSA_D)
p, q = rsa.rsa_recover_prime_factors(n, e, d)
rsa_priv = jwk.JWK.from_pyca(rsa.RSAPrivateNumbers(
    p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q),
    rsa.RSAPublicNumbers(e, n)).private_key())
ec_priv = jwk.JWK(kty="EC", crv="P-256", x=EC_X, y=EC_Y, d=EC_D)
ed_priv = jwk.JWK(kty="OKP", crv="Ed25519", x=ED_X, d=ED_D)
# The private halves must match the published public keys.
assert json.loads(rsa_priv.export_public())["n"] == RSA_N
assert ec.derive_private_key(num(EC_D), ec.SECP256R1()).public_key().public_numbers().x == num(EC_X)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
assert Ed25519PrivateKey.from_private_bytes(unb64(ED_D)).public_key().public_bytes(
    Encoding.Raw, PublicFormat.Raw) == unb64(ED_X)

PUB = {
    "ec": {"kty": "EC", "crv": "P-256", "x": EC_X, "y": EC_Y, "kid": "ec", "use": "sig"},
    "rsa": {"kty": "RSA", "n": RSA_N, "e": "AQAB", "kid": "rsa"},
    "ed": {"kty": "OKP", "crv": "Ed25519", "x": ED_X, "kid": "ed", "alg": "EdDSA"},
}
KEYS = {"ec": ec_priv, "rsa": rsa_priv, "ed": ed_priv}
ALG_KEY = {"RS256": "rsa", "PS256": "rsa", "ES256": "ec", "EdDSA": "ed"}


def claims(**kw):
    c = {"iss": ISS, "aud": AUD, "sub": "bob", "iat": IAT, "exp": IAT + 3600,
         "jti": "j-%d" % len(kw), "scope": "ssh", "groups": ["ssh-users"]}
    c.update(kw)
    return {k: v for k, v in c.items() if v is not None}


def signed(alg, payload, header=None, kid=None):
    kid = kid or ALG_KEY[alg]
    h = {"alg": alg, "kid": kid, "typ": "JWT"}
    h.update(header or {})
    h = {k: v for k, v in h.items() if v is not None}
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    s = jws.JWS(raw)
    s.allowed_algs = [alg]
    s.add_signature(KEYS[kid], alg=alg, protected=json.dumps(h))
    return s.serialize(compact=True)


def rs256_by_hand(header, payload):
    si = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    sig = rsa_priv.get_op_key("sign").sign(si.encode(), PKCS1v15(), hashes.SHA256())
    return si + "." + b64(sig)


# --- corpus/token ------------------------------------------------------------
vec = os.path.join(top, "tests", "vectors", "rfc")
for f, name in [("rfc7515_a2_rs256.json", "rfc7515_a2_unknown_issuer"),
                ("rfc7515_a3_es256.json", "rfc7515_a3_unknown_issuer"),
                ("rfc8037_a4_ed25519.json", "rfc8037_a4_bad_payload")]:
    with open(os.path.join(vec, f)) as fh:
        write("token", name, json.load(fh)["token"])
T = {
    "rs256_expired": signed("RS256", claims(sub="alice", iat=1700000000, exp=1700000600)),
    "ps256_user_mismatch": signed("PS256", claims()),
    "es256_wrong_audience": signed("ES256", claims(aud="ssh://elsewhere.test")),
    "eddsa_not_yet_valid": signed("EdDSA", claims(nbf=NOW + 3000)),
    "es256_issued_in_future": signed("ES256", claims(iat=NOW + 3000, exp=NOW + 6000)),
    "rs256_lifetime": signed("RS256", claims(iat=NOW - 60, exp=NOW + 3 * 86400)),
    "ps256_bad_claim_no_exp": signed("PS256", claims(exp=None)),
    # required_claim compares a string claim whole: "openid ssh" is not "ssh"
    "eddsa_claim_mismatch": signed("EdDSA", claims(scope="openid ssh")),
    "es256_bad_username": signed("ES256", claims(sub="../etc")),
    "rs256_aud_array_user_mismatch": signed("RS256", claims(aud=["x", AUD], exp=NOW + 0.5e3,
                                                            groups="admins ssh-users")),
    "es256_other_issuer_user_mismatch": signed("ES256", claims(iss=ISS2, sub="root")),
    "eddsa_nokid_user_mismatch": signed("EdDSA", claims(), {"kid": None}),
    "rs256_key_not_found": signed("RS256", claims(), {"kid": "gone"}),
    "rs256_key_refused_ec": rs256_by_hand({"alg": "RS256", "kid": "ec"}, claims()),
    "hs256_alg_refused": b64(b'{"alg":"HS256","kid":"rsa"}') + "." + b64(
        json.dumps(claims()).encode()) + "." + b64(bytes(32)),
    "none_alg_refused": b64(b'{"alg":"none"}') + "." + b64(json.dumps(claims()).encode()) + ".",
    "rs256_crit_unsupported": rs256_by_hand({"alg": "RS256", "kid": "rsa", "crit": ["exp2"]},
                                            claims()),
    "es256_zero_sig": b64(b'{"alg":"ES256","kid":"ec"}') + "." + b64(
        json.dumps(claims()).encode()) + "." + b64(bytes(64)),
}
good = signed("PS256", claims())
h, pl, s = good.split(".")
sig = bytearray(unb64(s))
sig[7] ^= 0x20
T["ps256_bad_signature"] = f"{h}.{pl}.{b64(bytes(sig))}"
T["malformed_padding"] = h + "=" * (-len(h) % 4 or 4) + "." + pl + "." + s
long_tok = signed("RS256", claims(pad="x" * 600))
assert len(long_tok) > 1100
T["rs256_truncated_1024"] = long_tok[:1024]
enc = jwk.JWK(kty="RSA", n=RSA_N, e="AQAB")
j = jwe.JWE(b"secret", protected=json.dumps({"alg": "RSA-OAEP", "enc": "A128GCM"}))
j.add_recipient(enc)
T["jwe_unsupported"] = j.serialize(compact=True)
T["password_not_token"] = "correct horse battery staple"
for name, tok in T.items():
    write("token", name, tok)

# --- corpus/jwks ---------------------------------------------------------------
full = {"keys": [PUB["ec"], PUB["rsa"], PUB["ed"]]}
write("jwks", "rfc_three_keys.json", json.dumps(full, indent=1))
write("jwks", "rfc_compact.json", json.dumps(full, separators=(",", ":")))
for kid, k in PUB.items():
    write("jwks", f"single_{kid}.json", json.dumps({"keys": [k]}))


def gen_pub(**kw):
    return json.loads(jwk.JWK.generate(**kw).export_public())


write("jwks", "curves_p384_p521_ed448.json", json.dumps({"keys": [
    dict(gen_pub(kty="EC", crv="P-384"), kid="p384", alg="ES384"),
    dict(gen_pub(kty="EC", crv="P-521"), kid="p521", key_ops=["verify"]),
    dict(gen_pub(kty="OKP", crv="Ed448"), kid="ed448")]}))
write("jwks", "refused_keys.json", json.dumps({"keys": [
    dict(gen_pub(kty="RSA", size=1024), kid="rsa1024"),
    dict(PUB["rsa"], kid="enc", use="enc"),
    dict(PUB["rsa"], kid="even_e", e="AQAA"),
    dict(PUB["ec"], kid="private", d=EC_D),
    dict(PUB["ec"], kid="ops", key_ops=["sign"]),
    dict(PUB["ec"], kid="badalg", alg="ES999"),
    dict(PUB["ec"], kid="offcurve", y=b64(bytes(31) + b"\x01")),
    dict(PUB["ec"], kid="short", x=EC_X[:40]),
    {"kty": "EC", "crv": "secp256k1", "x": EC_X, "y": EC_Y, "kid": "k1"},
    {"kty": "OKP", "crv": "X25519", "x": ED_X, "kid": "x25519"},
    {"kty": "oct", "k": b64(bytes(32)), "kid": "hmac"},
    {"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "tiny"},
    {"kty": "RSA", "kid": 7, "n": RSA_N, "e": "AQAB"},
    {"kid": "nokty"}, "not an object", 42, None]}))
write("jwks", "rfc7517_a1_extra_members.json", json.dumps({"keys": [
    dict(PUB["ec"], x5t="abc", ext=True, nested={"a": [1, 2, {"b": None}]}),
    dict(PUB["rsa"], alg="RS256", use="sig", key_ops=["verify", "sign"])], "extra": 1}))
write("jwks", "duplicate_kids.json", json.dumps({"keys": [dict(PUB["rsa"], kid="k"),
                                                          dict(PUB["ec"], kid="k"),
                                                          dict(PUB["ed"], kid="k")]}))
write("jwks", "empty_keys.json", '{"keys":[]}')
write("jwks", "keys_not_array.json", '{"keys":{"kty":"EC"}}')
write("jwks", "not_json.json", '{"keys":[{"kty":"EC",')
write("jwks", "deep_nesting.json", '{"keys":[' + "[" * 20 + "]" * 20 + "]}")
write("jwks", "escapes.json", '{"keys":[{"kty":"R\\u0053A","kid":"\\u00e9\\ud83d\\ude00",'
      '"n":"' + RSA_N + '","e":"AQAB"}]}')

# --- corpus/config -----------------------------------------------------------
with open(os.path.join(top, "conf", "pam_jwt.conf")) as fh:
    write("config", "example_pam_jwt.conf", fh.read())
write("config", "fuzz_token.conf", """leeway = 60
[issuer fuzz]
issuer = https://idp.test
audience = ssh://host.test
jwks_file = /tmp/fuzz/keys.jwks
algorithms = RS256 PS256 ES256 EdDSA
""")
write("config", "all_keys.conf", """# every key once
cache_dir = /var/cache/pam_jwt
refresh_helper = /usr/sbin/pam-jwt
leeway = 2m
max_lifetime = 1h
allow_root = no
refresh_timeout = 5s
refresh_cooldown = 60
max_stale = 7d
cache_ttl_min = 5m
cache_ttl_max = 1d
username_claim = preferred_username
groups_claim = groups

[issuer corp]
issuer = https://sso.example.com/realms/corp
audience = ssh://host.example.com
jwks_uri = https://sso.example.com/realms/corp/protocol/openid-connect/certs
ca_file = /etc/ssl/certs/ca-certificates.crt
algorithms = RS256,PS256 ES256	EdDSA
username_suffix = @example.com
user_map_file = /etc/security/pam_jwt.d/users
allowed_groups = ssh-users admins
group_map = admins wheel,adm
group_map = ssh-users users
required_claim = realm_access.roles ssh-login
required_claim = scope ssh
typ = at+jwt
allow_root = yes

[issuer lab.hs-1]
issuer = lab
audience = ssh://lab
algorithms = HS256 HS512
hmac_secret_file = /etc/security/pam_jwt.d/lab.secret
jwks_file = /etc/security/pam_jwt.d/lab.jwks
""")
write("config", "two_issuers_crlf.conf",
      "[issuer a]\r\nissuer = https://a.test\r\naudience = x\r\n\r\n"
      "  [issuer\tb]  \r\n\tissuer=https://b.test\r\naudience=y\r\nleeway=0\r\n")
write("config", "err_no_section.conf", "leeway = 60\n")
write("config", "err_unknown_key.conf", "[issuer a]\nissuer = https://a.test\nfoo = bar\n")
write("config", "err_twice.conf", "[issuer a]\nissuer = https://a.test\nissuer = https://b\n")
write("config", "err_hs_without_secret.conf",
      "[issuer a]\nissuer = https://a.test\naudience = z\nalgorithms = HS256\n")
write("config", "err_bad_seconds.conf",
      "leeway = 99999999999999999999d\n[issuer a]\nissuer = https://a.test\naudience = z\n")
write("config", "err_global_in_section.conf",
      "[issuer a]\ncache_dir = /tmp\nissuer = https://a.test\naudience = z\n")
write("config", "err_bad_section.conf", "[issuer ../x]\n[issuer]\n[other a]\n")

# --- corpus/meta -------------------------------------------------------------
write("meta", "ok.meta", "# written by pam-jwt refresh; read by pam_jwt.so and pam-jwt status\n"
      "source=https://idp.test/.well-known/jwks.json\nfetched=1700000000\n"
      "expires=1700003600\nattempt=1700000000\netag=\"33a64df551425fcc55e4d42a148795d9\"\n"
      "error=\n")
write("meta", "failed_refresh.meta", "source=https://idp.test/certs\nfetched=1700000000\n"
      "expires=1700086400\nattempt=1700090000\netag=W/\"xyz\"\n"
      "error=HTTP 503 from https://idp.test/certs\nfuture_key=ignored\n")
write("meta", "no_newline.meta", "fetched=1\nexpires=2\nattempt=3\netag=\nerror=x=y")
write("meta", "bad_time.meta", "fetched=-1\nexpires=99999999999999999999\n")
write("meta", "comments.meta", "#source=x\n\n=\nsource=\xe9\x01\n".encode("latin-1"))
# --- corpus/claims (decoded payloads for fuzz_claims) -------------------------
ok_root = {"iss": ISS, "aud": AUD, "sub": "root", "iat": IAT, "exp": IAT + 3600,
           "scope": "openid ssh", "realm_access": {"roles": ["ssh-login", "x"]},
           "groups": ["admins", "ssh-users", "other"]}
write("claims", "ok_root.json", json.dumps(ok_root, indent=1))
write("claims", "groups_string.json", json.dumps(dict(ok_root, groups="ssh-users admins admins")))
write("claims", "float_times.json", json.dumps(dict(ok_root, exp=NOW + 10.75, iat=NOW - 0.5,
                                                    nbf=NOW - 1e3)))
write("claims", "aud_array_mixed.json", json.dumps(dict(ok_root, aud=[1, True, None, [AUD], AUD])))
write("claims", "denied_group.json", json.dumps(dict(ok_root, groups=["nobody"])))
write("claims", "unknown_user.json", json.dumps(dict(ok_root, sub="no-such-user-here")))
write("claims", "expired.json", json.dumps(dict(ok_root, exp=1, iat=0)))
write("claims", "bad_types.json", json.dumps(dict(ok_root, exp="soon", nbf=[], sub=7)))
write("claims", "typ_at_jwt.txt", "at+JWT\n" + json.dumps(ok_root))
write("claims", "typ_wrong.txt", "JWT\n" + json.dumps(dict(ok_root, sub="bob")))
write("claims", "missing_exp.json", json.dumps({k: v for k, v in ok_root.items() if k != "exp"}))

# --- corpus/signed, corpus/signed_keys (fuzz_signed.c: HEADER NUL PAYLOAD) ----
# The harness base64url-encodes both parts and signs them itself (HMAC secret
# in fuzz_signed; also the RFC keys above in fuzz_signed_keys), verifying at
# NOW for any local user: "ok-*" seeds are accepted (they name root, daemon
# or nobody, which every Debian system has), the others vary one header
# parameter or one claim through every JSON type.
HS_ISS, MAP_ISS, ROLES_ISS = ISS, "https://mapped.test", "https://roles.test"
VALUES = {
    "null": None, "true": True, "false": False, "zero": 0, "int": 1, "negative": -1,
    "float": 1.5, "negative_float": -2.5, "huge_float": 1e308, "int64_max": 2 ** 63 - 1,
    "over_int64": 2 ** 64, "under_int64": -2 ** 63 - 1, "string": "x", "empty_string": "",
    "control_string": "a\x01\"\\b", "array": ["x", 1], "empty_array": [],
    "nested_array": [["x"], [[]]], "array_null": [None], "array_empty_string": [""],
    "object": {"a": "x", "b": [None]}, "empty_object": {},
}


def sj(o):
    return json.dumps(o, separators=(",", ":")).encode()


def spair(header, payload):
    raw = payload if isinstance(payload, bytes) else sj(payload)
    return (header if isinstance(header, bytes) else sj(header)) + b"\0" + raw


def base_hs(**kw):
    c = {"iss": HS_ISS, "aud": AUD, "sub": "root", "iat": IAT, "exp": IAT + 3600,
         "jti": "j-hs", "scope": "ssh", "groups": ["admins", "ssh-users"]}
    c.update(kw)
    return {k: v for k, v in c.items() if v is not None}


def base_mapped(**kw):
    c = {"iss": MAP_ISS, "aud": [AUD, "other"], "sub": "s-1", "email": "alice@corp.test",
         "iat": IAT, "exp": IAT + 900, "jti": "j-map",
         "realm_access": {"roles": ["ssh-login", "x"]}}
    c.update(kw)
    return {k: v for k, v in c.items() if v is not None}


def base_roles(**kw):
    c = {"iss": ROLES_ISS, "aud": AUD, "sub": "s-2", "preferred_username": "nobody",
         "iat": IAT, "exp": IAT + 1800, "roles": "dev ops",
         "realm_access": {"roles": ["ssh-login"]}}
    c.update(kw)
    return {k: v for k, v in c.items() if v is not None}


HDR_PARAMS = ["alg", "kid", "typ", "cty", "crit", "zip", "b64", "jku", "x5u", "jwk", "x5c", "x5t",
              "x5t#S256", "enc", "epk", "url", "nonce", "ppt"]
CLAIMS = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "typ", "scope", "groups", "roles",
          "realm_access", "realm_access.roles", "preferred_username", "email", "azp", "cnf"]


def set_claim(c, name, v):
    if "." in name:
        a, b = name.split(".", 1)
        c[a] = dict(c.get(a) or {})
        c[a][b] = v
    else:
        c[name] = v
    return c


def claim_base(name):
    if name == "email":
        return {"alg": "HS256", "typ": "at+jwt"}, base_mapped()
    if name in ("preferred_username", "roles") or name.startswith("realm_access"):
        return {"alg": "HS256"}, base_roles()
    return {"alg": "HS256", "typ": "JWT"}, base_hs()


S = {
    "ok-hs256-root-admins": spair({"alg": "HS256", "typ": "JWT"}, base_hs()),
    "ok-hs384-daemon-string-groups": spair({"alg": "HS384"}, base_hs(sub="daemon",
                                                                    groups="ops ssh-users")),
    "ok-hs512-nobody-float-times": spair({"alg": "HS512", "kid": "k"},
                                         base_hs(sub="nobody", exp=NOW + 99.5, iat=NOW - 0.25,
                                                 nbf=NOW - 30, groups=["ops", "x", "admins"])),
    "ok-mapped-one-time": spair({"alg": "HS256", "typ": "at+jwt"}, base_mapped()),
    "ok-mapped-admin-root": spair({"alg": "HS256", "typ": "application/AT+JWT"},
                                  base_mapped(email="admin@corp.test", jti="j-admin",
                                              realm_access={"roles": ["admin"]})),
    "ok-roles-nobody": spair({"alg": "HS512"}, base_roles()),
    "ok-twin-one-time": spair({"alg": "HS256"}, base_hs(aud="ssh://other.test", sub="daemon",
                                                        groups=None, scope=None)),
    "ok-pretty-printed": b'{"alg" :\t"HS256"\r\n}' + b"\0" +
                         json.dumps(base_hs(sub="daemon"), indent=2).encode(),
    "ok-escaped-names": spair(b'{"\\u0061lg":"HS\\u00325\\u0036"}',
                              b'{"iss":"https:\\/\\/idp.test","aud":"ssh:\\/\\/host.test",'
                              b'"sub":"d\\u0061emon","exp":%d,"iat":%d,"scope":"ssh",'
                              b'"groups":["adm\\u0069ns"]}' % (NOW + 60, IAT)),
    "rej-revoked-jti": spair({"alg": "HS256"}, base_hs(jti="revoked-jti")),
    "rej-revoked-sub-before": spair({"alg": "HS256"}, base_hs(sub="daemon", iat=NOW - 9000,
                                                              exp=NOW + 600)),
    "rej-revoked-mallory": spair({"alg": "HS256"}, base_hs(sub="mallory")),
    "rej-lifetime": spair({"alg": "HS256"}, base_hs(exp=IAT + 2 * 86400)),
    "rej-roles-lifetime": spair({"alg": "HS256"}, base_roles(exp=IAT + 7200)),
    "rej-group-denied": spair({"alg": "HS256"}, base_hs(groups=["nobody", "ssh"])),
    "rej-group-substring": spair({"alg": "HS256"}, base_hs(groups=["admin", "users", "ssh-user"])),
    "rej-claim-mismatch": spair({"alg": "HS256"}, base_hs(scope="openid ssh")),
    "rej-mapped-typ": spair({"alg": "HS256", "typ": "JWT"}, base_mapped()),
    "rej-mapped-no-jti": spair({"alg": "HS256", "typ": "at+jwt"}, base_mapped(jti=None)),
    "rej-mapped-suffix": spair({"alg": "HS256", "typ": "at+jwt"}, base_mapped(email="alice")),
    "rej-mapped-unlisted": spair({"alg": "HS256", "typ": "at+jwt"},
                                 base_mapped(email="zed@corp.test")),
    "rej-mapped-unknown-user": spair({"alg": "HS256", "typ": "at+jwt"},
                                     base_mapped(email="carol@corp.test")),
    "rej-mapped-bad-user": spair({"alg": "HS256", "typ": "at+jwt"},
                                 base_mapped(email="dave@corp.test")),
    "rej-mapped-long-user": spair({"alg": "HS256", "typ": "at+jwt"},
                                  base_mapped(email="erin@corp.test")),
    "rej-mapped-three-words": spair({"alg": "HS256", "typ": "at+jwt"},
                                    base_mapped(email="frank@corp.test")),
    "rej-mapped-revoked-before": spair({"alg": "HS256", "typ": "at+jwt"},
                                       base_mapped(sub="alice@corp.test", iat=NOW - 1000)),
    "rej-expired": spair({"alg": "HS256"}, base_hs(exp=NOW - 61, iat=NOW - 600)),
    "rej-not-yet-valid": spair({"alg": "HS256"}, base_hs(nbf=NOW + 3000)),
    "rej-future-iat": spair({"alg": "HS256"}, base_hs(iat=NOW + 3000, exp=NOW + 6000)),
    "rej-user-unknown": spair({"alg": "HS256"}, base_hs(sub="no-such-user-here")),
    "rej-alg-none": spair({"alg": "none"}, base_hs()),
    "rej-alg-rs256": spair({"alg": "RS256", "kid": "rsa"}, base_hs()),
    "rej-not-object": spair(b"[]", b"[]"),
    "rej-duplicate-alg": spair(b'{"alg":"none","alg":"HS256"}', sj(base_hs())),
    "rej-own-signature": spair({"alg": "HS256"}, base_hs()) + b"\0" + bytes(32),
    "rej-short-signature": spair({"alg": "HS256"}, base_hs()) + b"\0" + b"x",
    "rej-jwe-header": spair({"alg": "dir", "enc": "A128GCM"}, b"{}"),
    "rej-deep-payload": spair({"alg": "HS256"}, b'{"a":' + b"[" * 20 + b"]" * 20 + b"}"),
}
for p in HDR_PARAMS:
    for vn, v in VALUES.items():
        h = {"alg": "HS256", "typ": "JWT"}
        h[p] = v
        if p == "alg" and v is None:
            h = {"typ": "JWT", "alg": None}
        S["hdr-%s-%s" % (p.replace("#", "_"), vn)] = spair(h, base_hs())
for c in CLAIMS:
    for vn, v in VALUES.items():
        h, b = claim_base(c)
        S["claim-%s-%s" % (c, vn)] = spair(h, set_claim(b, c, v))
    h, b = claim_base(c)
    if "." not in c:
        b.pop(c, None)
        S["claim-%s-missing" % c] = spair(h, b)
for name, data in S.items():
    write("signed", name, data)

# fuzz_signed_keys: the same format; alg picks the harness key.
K = {}
for alg, kid in [("RS256", "rsa"), ("RS512", "rsa"), ("PS256", "rsa"), ("PS384", "rsa"),
                 ("ES256", "ec"), ("EdDSA", "ed")]:
    K["ok-%s-%s" % (alg.lower(), kid)] = spair({"alg": alg, "kid": kid}, base_hs(scope=None))
    K["ok-%s-nokid" % alg.lower()] = spair({"alg": alg}, base_hs(sub="daemon", scope=None,
                                                                   groups="ssh-users"))
K["ok-mapped-es256"] = spair({"alg": "ES256", "kid": "ec", "typ": "at+jwt"}, base_mapped())
K["ok-mapped-hs256"] = spair({"alg": "HS256", "typ": "at+jwt"}, base_mapped(jti="j-hs"))
K["ok-mapped-eddsa"] = spair({"alg": "EdDSA", "typ": "at+jwt"}, base_mapped(jti="j-ed"))
K["ok-other-ps256"] = spair({"alg": "PS256", "kid": "rsa"},
                            base_roles(iss="https://other.test", roles=None))
for kid in ["enc", "ops", "es384", "hmac", "dup", "gone", "", "ec", "rsa", "ed"]:
    for alg in ["RS256", "ES256", "EdDSA", "ES384"]:
        K["kid-%s-%s" % (kid or "empty", alg.lower())] = spair({"alg": alg, "kid": kid},
                                                              base_hs(scope=None))
for alg in ["RS384", "PS512", "ES512", "HS384", "HS512", "none", "EdDSA ", "es256", "Ed25519"]:
    K["alg-%s" % alg.strip().lower()] = spair({"alg": alg}, base_hs(scope=None))
for c in CLAIMS:
    for vn, v in VALUES.items():
        h, b = claim_base(c)
        if c == "email":
            h, b = {"alg": "ES256", "typ": "at+jwt"}, base_mapped()
        else:
            h, b = {"alg": "ES256", "kid": "ec"}, base_hs(scope=None)
            if c in ("preferred_username",) or c.startswith("realm_access"):
                b = base_roles(iss="https://other.test")
        K["claim-%s-%s" % (c, vn)] = spair(h, set_claim(b, c, v))
for p in HDR_PARAMS:
    for vn in ["null", "string", "array", "object"]:
        h = {"alg": "EdDSA", "kid": "ed"}
        h[p] = VALUES[vn]
        K["hdr-%s-%s" % (p.replace("#", "_"), vn)] = spair(h, base_hs(scope=None))
for name, data in K.items():
    write("signed_keys", name, data)

# --- dict/ (libFuzzer -dict files) ---------------------------------------------
def esc(s):
    # libFuzzer dictionaries know \\, \" and \xNN only
    return "".join("\\x%02X" % ord(c) if ord(c) < 0x20 else "\\" + c if c in '\\"' else c
                   for c in s)


def write_dict(name, comment, prefix, words):
    os.makedirs(os.path.join(here, "dict"), exist_ok=True)
    with open(os.path.join(here, "dict", name), "w") as f:
        f.write("# " + comment + " (generated by make_seeds.py)\n")
        for i, w in enumerate(words):
            f.write('%s%d="%s"\n' % (prefix, i, esc(w)))


if out == os.path.join(here, "corpus"):
    compact = lambda o: json.dumps(o, separators=(",", ":")).encode()
    hdrs = [{"alg": a, "kid": k} for a, k in [("RS256", "rsa"), ("PS256", "rsa"), ("ES256", "ec"),
                                              ("EdDSA", "ed"), ("RS256", "ec"), ("ES256", "rsa")]]
    hdrs += [{"alg": "ES256"}, {"alg": "none"}, {"alg": "HS256", "kid": "rsa"},
             {"alg": "RS256", "kid": "rsa", "crit": ["b64"]}, {"alg": "ES256", "kid": "ec", "zip": "DEF"},
             {"alg": "RS256", "kid": "rsa", "typ": "JWT"}, {"alg": "EdDSA", "kid": "ed", "b64": False}]
    write_dict("token.dict", "fuzz_token: whole base64url headers (alignment matters), separators",
               "t", [b64(compact(h)) for h in hdrs] +
               ["eyJ", ".", "..", "....", "eyJhbGciOi", "In0", "fQ", "-", "_", "AAAA",
                b64(compact(dict(ok_root, sub="alice"))), b64(b"{}")])
    write_dict("json.dict", "fuzz_jwks, fuzz_claims: JSON members and values", "j",
               ['"keys"', '"kty"', '"kid"', '"crv"', '"alg"', '"use"', '"key_ops"', '"x"', '"y"',
                '"n"', '"e"', '"d"', '"k"', '"RSA"', '"EC"', '"OKP"', '"oct"', '"P-256"', '"P-384"',
                '"P-521"', '"Ed25519"', '"Ed448"', '"sig"', '"enc"', '"verify"', '"RS256"',
                '"PS256"', '"ES256"', '"EdDSA"', '"AQAB"', '"AQAA"', '"iss"', '"aud"', '"sub"',
                '"exp"', '"nbf"', '"iat"', '"jti"', '"scope"', '"groups"', '"realm_access"',
                '"roles"', '"%s"' % ISS, '"%s"' % AUD, '"root"', '"admins"', '"ssh-users"',
                '"ssh-login"', '"ssh"', str(NOW), str(NOW + 3600), "1e308", "-0.0",
                "9223372036854775807", "true", "false", "null", "\\u0000", "\\ud800",
                "{", "}", "[", "]", ":", ","])
    write_dict("signed.dict", "fuzz_signed, fuzz_signed_keys: header and claim JSON", "s",
               ['"%s"' % p for p in HDR_PARAMS] + ['"%s"' % c for c in CLAIMS] +
               ['"%s"' % a for a in ["HS256", "HS384", "HS512", "RS256", "RS512", "PS256",
                                     "PS384", "ES256", "ES384", "EdDSA", "none", "JWT", "at+jwt",
                                     "application/at+jwt", "rsa", "ec", "ed", "hmac", "dup"]] +
               ['"%s"' % s for s in [HS_ISS, MAP_ISS, ROLES_ISS, "https://other.test", AUD,
                                     "ssh://other.test", "root", "daemon", "nobody", "mallory",
                                     "alice@corp.test", "admin@corp.test", "@corp.test",
                                     "revoked-jti", "admins", "ssh-users", "ops", "dev",
                                     "ssh-login", "admin", "ssh", "openid ssh", "admins ops"]] +
               [str(NOW), str(IAT), str(NOW + 3600), str(NOW + 86400), "4102440000", "1e308",
                "-0.0", "0.5", "9223372036854775807", "-9223372036854775808",
                "18446744073709551616", "true", "false", "null", '""', '[""]', "[null]", "[]",
                "{}", "[[]]", '{"roles":[]}', "\\u0000", "\\u0022", "\\\\", "\\ud800",
                "{", "}", "[", "]", ":", ",", "\x00"])
    write_dict("config.dict", "fuzz_config: keys and values of pam_jwt.conf", "c",
               "cache_dir refresh_helper issuer audience jwks_file jwks_uri ca_file "
               "hmac_secret_file algorithms username_claim username_suffix user_map_file "
               "groups_claim allowed_groups group_map required_claim typ leeway max_lifetime "
               "allow_root refresh_timeout refresh_cooldown max_stale cache_ttl_min "
               "cache_ttl_max".split() +
               ["[issuer ", "]", " = ", "\n", "#", "yes", "no", "true", "false", "https://",
                "/etc/x", "RS256 ES256 EdDSA", "HS256", "HS512", "PS384", "60s", "5m", "1h", "7d",
                "\r\n", "\t"])
    write_dict("meta.dict", "fuzz_meta: cache metadata keys", "m",
               ["source=", "fetched=", "expires=", "attempt=", "etag=", "error=", "\n", "#",
                "9223372036854775807", str(NOW), 'W/"', "https://"])
make_seeds_lines.main()
print("seeds written under", out)
