/* SPDX-License-Identifier: BSD-2-Clause */
// jose-mint.mjs OUTDIR - keys and tokens made by npm `jose` (panva), an
// implementation independent of ours and of python3-jwcrypto.
//
// For every JWS algorithm jose supports in Node: a fresh key, its public
// JWK (kid jose-ALG) in OUTDIR/jwks.json, and OUTDIR/ALG.jwt: iss
// https://idp.test/realm, aud ssh://host.test, sub alice, valid for 5 min.
// HS256/384/512 share one 64-byte secret, written raw to OUTDIR/hmac.key.
// ES256K (secp256k1), which pam_jwt does not support, is minted too: it
// must be refused, never accepted.
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const out = process.argv[2];
if (!out) {
  console.error('usage: node jose-mint.mjs OUTDIR');
  process.exit(2);
}
const algs = [
  ['RS256'], ['RS384'], ['RS512'], ['PS256'], ['PS384'], ['PS512'],
  ['ES256'], ['ES384'], ['ES512'], ['EdDSA', 'Ed25519'], ['EdDSA', 'Ed448'], ['ES256K'],
];
const keys = [];

async function mint(alg, key, kid) {
  return new SignJWT({ sub: 'alice', jti: randomUUID() })
    .setProtectedHeader({ alg, kid, typ: 'JWT' })
    .setIssuer('https://idp.test/realm')
    .setAudience('ssh://host.test')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

for (const [alg, crv] of algs) {
  const name = crv ? `${alg}-${crv}` : alg;
  const kid = `jose-${name}`;
  const { publicKey, privateKey } = await generateKeyPair(alg, { crv, modulusLength: 2048 });
  keys.push({ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' });
  writeFileSync(`${out}/${name}.jwt`, await mint(alg, privateKey, kid));
}
const secret = randomBytes(64);
writeFileSync(`${out}/hmac.key`, secret, { mode: 0o600 });
for (const alg of ['HS256', 'HS384', 'HS512']) {
  writeFileSync(`${out}/${alg}.jwt`, await mint(alg, new Uint8Array(secret), `jose-${alg}`));
}
writeFileSync(`${out}/jwks.json`, JSON.stringify({ keys }));
const { version } = JSON.parse(
  readFileSync(new URL('./node_modules/jose/package.json', import.meta.url), 'utf8'));
console.log(`jose ${version}: ${algs.length + 3} tokens in ${out}`);
