#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Hostile tokens for tests/pam/hostile.sh and tests/e2e/hostile_daemons.sh,
signed by python3-jwcrypto (an independent JOSE implementation).

    mint_hostile.py OUTDIR [SUB]

Writes OUTDIR/jwks.json (public ES256 key "h-ec" and RS256 key "h-rsa"),
OUTDIR/NAME.jwt per token and these lists (tab-separated):

  headers.tsv  NAME STRICT WHAT   unsigned tokens whose header has a member
                                  of the wrong type; STRICT=1: the header
                                  alone must refuse it (MALFORMED,
                                  UNSUPPORTED, ALG_REFUSED or TYP), 0: any
                                  refusal (the member is ignored, so the bad
                                  signature refuses it)
  groups.tsv   NAME VERDICT WHAT  signed, sub SUB, hostile "groups" claims
                                  against allowed_groups = ssh-users admins
  audit.tsv    NAME WHAT          signed or not, with forging text in kid,
                                  crit, typ ("at+jwt" otherwise), sub, jti, iss
  lifetime.tsv NAME VERDICT WHAT  signed, exp far away or near, iat or not

Every token is for iss https://idp.test/realm, aud ssh://host.test.
"""
import base64
import json
import os
import sys
import time
import uuid

from jwcrypto import jwk, jws

out = sys.argv[1]
sub = sys.argv[2] if len(sys.argv) > 2 else "alice"
os.makedirs(out, exist_ok=True)
now = int(time.time())
ISS, AUD = "https://idp.test/realm", "ssh://host.test"

ec = jwk.JWK.generate(kty="EC", crv="P-256", kid="h-ec")
rsa = jwk.JWK.generate(kty="RSA", size=2048, kid="h-rsa")
with open(f"{out}/jwks.json", "w") as f:
    json.dump({"keys": [json.loads(ec.export_public()), json.loads(rsa.export_public())]}, f)


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def write(name, tok):
    with open(f"{out}/{name}.jwt", "w") as f:
        f.write(tok)


def claims(**kw):
    # 30 minutes: valid through a slow (valgrind, ASan) run, well under a day
    body = {"iss": ISS, "aud": AUD, "sub": sub, "iat": now, "exp": now + 1800,
            "jti": str(uuid.uuid4())}
    body.update(kw)
    return {k: v for k, v in body.items() if v is not None}


def signed(header, body, key=ec):
    """Sign exactly these header and payload bytes (jwcrypto signs the
    protected header as given, so members of any type go through)."""
    s = jws.JWS(json.dumps(body, separators=(",", ":")).encode())
    s.add_signature(key, None, protected=json.dumps(header, separators=(",", ":")))
    return s.serialize(compact=True)


def unsigned(header_json, payload=None, sig=None):
    payload = b64(json.dumps(claims())) if payload is None else payload
    sig = b64(os.urandom(64)) if sig is None else sig
    return f"{b64(header_json)}.{payload}.{sig}"


# --- 1. header members of the wrong type -------------------------------------
def deep(n):
    v = []
    for _ in range(n):
        v = [v]
    return v


values = {
    "null": None, "zero": 0, "num": 1, "neg": -1, "float": 1.5e300, "true": True,
    "false": False, "obj": {}, "objx": {"alg": "ES256", "a": [1]}, "arr": [],
    "arr1": ["ES256"], "nest": [[]], "nest2": [[None], [[]]], "deep40": deep(40),
    "empty": "", "space": " ", "long3k": "A" * 3000, "long5k": "B" * 5000,
    "nul": "\u0000", "nulin": "ES256\u0000x", "ctl": "\u001b[2J\n",
}
nonstring = {"null", "zero", "num", "neg", "float", "true", "false", "obj", "objx",
             "arr", "arr1", "nest", "nest2", "deep40"}
base = {"alg": "ES256", "kid": "h-ec", "typ": "JWT"}
rows = []
n = 0


def header_case(what, hdr, strict, raw=None):
    global n
    n += 1
    name = f"hdr{n:03d}"
    write(name, unsigned(raw if raw is not None else json.dumps(hdr)))
    rows.append(f"{name}\t{int(strict)}\t{what}")


for vname, v in values.items():
    for member in ("alg", "kid", "typ", "crit", "zip", "b64", "cty", "jku", "x5u", "jwk", "x5c"):
        hdr = dict(base)
        hdr[member] = v
        if member == "alg":
            strict = True  # no such value names an algorithm
        elif member in ("kid", "typ"):
            strict = vname in nonstring
        elif member == "crit":
            strict = True  # no value is a non-empty list of understood names
        elif member in ("zip", "b64"):
            strict = not (member == "b64" and vname == "true")  # b64 true: the default
        else:
            strict = False  # jku, x5u, jwk, x5c, cty: ignored; the signature refuses
        header_case(f"{member}={vname}", hdr, strict)
    # crit elements: alone, after a name, twice, with b64 (RFC 7797 style)
    for label, crit in (("[V]", [v]), ("[\"exp\",V]", ["exp", v]), ("[V,V]", [v, v]),
                        ("[\"b64\",V]+b64", ["b64", v])):
        hdr = dict(base, crit=crit)
        if label.endswith("+b64"):
            hdr["b64"] = False
        header_case(f"crit={label} V={vname}", hdr, True)
# The reported crasher, verbatim, and close relatives.
crasher = "eyJhbGciOiJSUzI1NiIsImNyaXQiOltudWxsXX0.e30.AAAA"
write("crasher", crasher)
rows.append("crasher\t1\tissue 12 verbatim: {\"alg\":\"RS256\",\"crit\":[null]}.e30.AAAA")
for i, raw in enumerate(['{"alg":"RS256","crit":[null]}', '{"crit":[null],"alg":"RS256"}',
                         '{"alg":"ES256","crit":[null,null,null]}', '{"alg":"RS256","crit":[[null]]}',
                         '{"alg":"RS256","crit":[{"a":null}]}', '{"alg":null,"crit":[null]}',
                         '{"crit":[null]}', '{"alg":"none","crit":[null]}',
                         '{"alg":"HS256","crit":[null]}', '{"alg":"RS256","crit":null}']):
    write(f"crasher{i}", f"{b64(raw)}.e30.AAAA")
    rows.append(f"crasher{i}\t1\traw {raw}.e30.AAAA")
    header_case(f"raw {raw}, claims payload", None, True, raw=raw)
# Duplicate members (json-c keeps the last) and keys that differ by a NUL.
header_case("duplicate alg", None, False, raw='{"alg":"ES256","alg":null,"kid":"h-ec"}')
header_case("duplicate crit", None, True, raw='{"alg":"ES256","crit":["x"],"crit":[null]}')
header_case("member name with NUL", None, False, raw='{"alg":"ES256","crit\\u0000":[null]}')
# Control: a well-formed header with a bad signature is refused by the signature.
write("control", unsigned(json.dumps(base)))
with open(f"{out}/headers.tsv", "w") as f:
    f.write("\n".join(rows) + "\n")

# --- 2/3. hostile group claims (signed) ---------------------------------------
grows = []
gcases = [
    ("[\"\"]", [""], "GROUP_DENIED"), ("[\" \"]", [" "], "GROUP_DENIED"),
    ("[\"\",\"\"]", ["", ""], "GROUP_DENIED"), ("\"\\t\"", "\t", "GROUP_DENIED"),
    ("\"\"", "", "GROUP_DENIED"), ("\" \"", " ", "GROUP_DENIED"),
    ("\"  \"", "  ", "GROUP_DENIED"), ("[\"\\t\"]", ["\t"], "GROUP_DENIED"),
    ("[\"\\u0000\"]", ["\u0000"], "GROUP_DENIED"), ("[\"\\n\"]", ["\n"], "GROUP_DENIED"),
    ("[\",\"]", [","], "GROUP_DENIED"), ("[null]", [None], "GROUP_DENIED"),
    ("[1]", [1], "GROUP_DENIED"), ("[[]]", [[]], "GROUP_DENIED"), ("[{}]", [{}], "GROUP_DENIED"),
    ("[true]", [True], "GROUP_DENIED"), ("[[\"admins\"]]", [["admins"]], "GROUP_DENIED"),
    ("[{\"admins\":1}]", [{"admins": 1}], "GROUP_DENIED"), ("null", None, "GROUP_DENIED"),
    ("{}", {}, "GROUP_DENIED"), ("1", 1, "GROUP_DENIED"), ("[]", [], "GROUP_DENIED"),
    ("1000x[\"\"]", [""] * 1000, "GROUP_DENIED"),
    ("[\"\",\"ssh-users\"]", ["", "ssh-users"], "OK"),
    ("[\" \",\"\",null,1,[],{},\"admins\"]", [" ", "", None, 1, [], {}, "admins"], "OK"),
    ("\"\\t admins\"", "\t admins", "OK"),
    # 3. word lists are exact (array elements are whole names)
    ("[\"ssh-users admins\"]", ["ssh-users admins"], "GROUP_DENIED"),
    ("[\"ssh-users,admins\"]", ["ssh-users,admins"], "GROUP_DENIED"),
    ("\"ssh-users,admins\"", "ssh-users,admins", "GROUP_DENIED"),
    ("[\"ssh\"]", ["ssh"], "GROUP_DENIED"), ("[\"users\"]", ["users"], "GROUP_DENIED"),
    ("[\"admin\"]", ["admin"], "GROUP_DENIED"), ("[\"ssh-users \"]", ["ssh-users "], "GROUP_DENIED"),
    ("[\" admins\"]", [" admins"], "GROUP_DENIED"), ("[\"admins \"]", ["admins "], "GROUP_DENIED"),
    ("[\"users admins\"]", ["users admins"], "GROUP_DENIED"),
    ("[\"ssh-users\\tadmins\"]", ["ssh-users\tadmins"], "GROUP_DENIED"),
    ("[\"s\"]", ["s"], "GROUP_DENIED"), ("[\"-\"]", ["-"], "GROUP_DENIED"),
    ("[\"ADMINS\"]", ["ADMINS"], "GROUP_DENIED"), ("[\"admins\\u0000\"]", ["admins\u0000"], "GROUP_DENIED"),
    ("[\"ssh-users admins\",\"x\"]", ["ssh-users admins", "x"], "GROUP_DENIED"),
    ("[\"admins\"]", ["admins"], "OK"), ("[\"ssh-users\"]", ["ssh-users"], "OK"),
    ("\"admins\"", "admins", "OK"),
]
for i, (what, groups, verdict) in enumerate(gcases):
    name = f"grp{i:02d}"
    write(name, signed({"alg": "ES256", "kid": "h-ec"}, claims(groups=groups)))
    grows.append(f"{name}\t{verdict}\tgroups {what}")
with open(f"{out}/groups.tsv", "w") as f:
    f.write("\n".join(grows) + "\n")
# 4. inline comments: tokens with one group each
for g in ("admins", "contractors", "#", "not", "admins#x", "#not"):
    write(f"cg_{b64(g)}", signed({"alg": "ES256", "kid": "h-ec"}, claims(groups=[g])))
# The empty-group token and a good one for the daemons (ES256: compact).
write("empty_group", signed({"alg": "ES256", "kid": "h-ec"}, claims(groups=[""])))
write("empty_group_str", signed({"alg": "ES256", "kid": "h-ec"}, claims(groups="")))
write("good", signed({"alg": "ES256", "kid": "h-ec"}, claims(groups=["ssh-users"])))
# RDP passwords hold 255 characters: no kid, no iat/jti (the module tries each key).
compact = {"iss": ISS, "aud": AUD, "sub": sub, "exp": now + 1800}
write("compact", signed({"alg": "ES256"}, dict(compact, groups=["admins"])))
write("compact_empty_group", signed({"alg": "ES256"}, dict(compact, groups=[""])))

# --- 5. audit lines cannot be forged ---------------------------------------------
forge = {
    "quote": '"', "backslash": "\\", "bs-quote": '\\"', "verdict": 'x" verdict="OK',
    "verdict-bare": "x verdict=OK", "user": 'user="root"', "both": '" verdict=OK user="root" x="',
    "newline": "a\nrejected verdict=OK user=\"root\"", "cr": "a\r\nverdict=OK",
    "esc": "\u001b[31mred\u001b[0m", "del": "\u007f", "tab": "a\tb", "long": "L" * 3000,
    "long-quotes": '"' * 600, "long-bs": "\\" * 600, "utf8": "caf\u00e9 \u2028 \u202e",
}
arows = []
hdr_at = {"alg": "ES256", "kid": "h-ec", "typ": "at+jwt"}
for vname, v in forge.items():
    write(f"au_kid_{vname}", signed(dict(hdr_at, kid=v), claims()))
    # crit is judged before the signature (and jwcrypto signs no unknown crit)
    write(f"au_crit_{vname}", unsigned(json.dumps(dict(hdr_at, crit=[v]))))
    write(f"au_typ_{vname}", signed(dict(hdr_at, typ=v), claims()))
    write(f"au_sub_{vname}", signed(hdr_at, claims(sub=v)))
    write(f"au_jti_{vname}", signed(hdr_at, claims(jti=v)))
    write(f"au_iss_{vname}", signed(hdr_at, claims(iss=v)))
    for field in ("kid", "crit", "typ", "sub", "jti", "iss"):
        arows.append(f"au_{field}_{vname}\t{field} {vname}")
write("au_ok", signed(hdr_at, claims()))
arows.append("au_ok\tcontrol: an accepted token")
with open(f"{out}/audit.tsv", "w") as f:
    f.write("\n".join(arows) + "\n")

# --- 6. lifetime -------------------------------------------------------------------
ten_years = 10 * 366 * 86400
lrows = []
for name, body, verdict, what in (
        ("life_10y_iat", claims(exp=now + ten_years), "LIFETIME", "exp now+10y, iat now"),
        ("life_10y_noiat", claims(exp=now + ten_years, iat=None), "LIFETIME", "exp now+10y, no iat"),
        ("life_10y_oldiat", claims(exp=now + ten_years, iat=now - 60), "LIFETIME",
         "exp now+10y, iat a minute ago"),
        ("life_2d_iat", claims(exp=now + 2 * 86400), "LIFETIME", "exp now+2d, iat now"),
        ("life_2d_noiat", claims(exp=now + 2 * 86400, iat=None), "LIFETIME", "exp now+2d, no iat"),
        ("life_1h_iat", claims(exp=now + 3600), "OK", "exp now+1h, iat now"),
        ("life_1h_noiat", claims(exp=now + 3600, iat=None), "OK", "exp now+1h, no iat"),
        ("life_30m_noiat", claims(iat=None), "OK", "exp now+30m, no iat")):
    write(name, signed({"alg": "ES256", "kid": "h-ec"}, body))
    lrows.append(f"{name}\t{verdict}\t{what}")
write("life_10y_rsa", signed({"alg": "RS256", "kid": "h-rsa"}, claims(exp=now + ten_years), rsa))
lrows.append("life_10y_rsa\tLIFETIME\tRS256, exp now+10y, iat now")
with open(f"{out}/lifetime.tsv", "w") as f:
    f.write("\n".join(lrows) + "\n")
