#!/usr/bin/python3
"""Cross-check: every RFC vector in this directory verifies with python3-jwcrypto."""
import glob
import json
import os
import sys

from jwcrypto import jwk, jws

bad = 0
for path in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "*.json"))):
    v = json.load(open(path))
    s = jws.JWS()
    s.deserialize(v["token"])
    s.allowed_algs = [v["alg"]]
    try:
        s.verify(jwk.JWK(**v["jwk"]))
        print(f"ok - {v['source']} ({v['alg']})")
    except Exception as e:  # noqa: BLE001 - report every failure
        print(f"not ok - {v['source']}: {e}")
        bad += 1
sys.exit(1 if bad else 0)
