// A misbehaving device-flow provider for tests/e2e/device_bad.sh, on loopback
// HTTPS.  POST /CASE/device is the device authorization endpoint and
// POST /CASE/token the token endpoint of one bad behaviour:
//   hang        the device endpoint never answers
//   http500     HTTP 500 from the device endpoint
//   notjson     200 with a body that is not JSON
//   nousercode  a response without user_code
//   wrongtypes  user_code null, device_code a number
//   badinterval interval 100000
//   badexpires  expires_in 999999999
//   big         a 200 KB response
//   noidtoken   the token endpoint answers 200 without an id_token
//   expired     the token endpoint answers expired_token
//   tokenhtml   the token endpoint answers 502 with an HTML page
// The verification link (each QR code and printed link must be one URL on
// the issuer's origin):
//   complete    a good verification_uri_complete on the issuer's origin
//   otherhost   verification_uri_complete on another host (the QR lure)
//   otherport   verification_uri_complete on the issuer's host, another port
//   userinfo    verification_uri_complete https://ISSUERHOST:PORT@evil.example/
//   urihost     verification_uri itself on another host
//   badcomplete verification_uri_complete not a string
// Any other CASE: a good answer, then authorization_pending.
// Env: CERT, KEY.  Prints "READY PORT", then "REQ CASE ENDPOINT" per request.
import https from 'node:https';
import { readFileSync } from 'node:fs';

const good = (origin, c) => ({
  device_code: 'dc-' + c, user_code: 'WXYZ-ABCD', verification_uri: `${origin}/device`,
  expires_in: 60, interval: 1,
});
const server = https.createServer({ cert: readFileSync(process.env.CERT), key: readFileSync(process.env.KEY) }, (req, res) => {
  const [, c, ep] = req.url.split('/');
  const origin = `https://127.0.0.1:${server.address().port}`;
  const code = 'WXYZ-ABCD';
  console.log(`REQ ${c} ${ep}`);
  const json = (code, body) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
  req.resume();
  if (ep === 'device') {
    switch (c) {
      case 'hang': return undefined;
      case 'http500': return json(500, { error: 'server_error' });
      case 'notjson': res.writeHead(200); return res.end('<html>hello</html>');
      case 'nousercode': { const b = good(origin, c); delete b.user_code; return json(200, b); }
      case 'wrongtypes': return json(200, { ...good(origin, c), user_code: null, device_code: 5 });
      case 'badinterval': return json(200, { ...good(origin, c), interval: 100000 });
      case 'badexpires': return json(200, { ...good(origin, c), expires_in: 999999999 });
      case 'big': return json(200, { ...good(origin, c), pad: 'x'.repeat(200000) });
      case 'complete': return json(200, { ...good(origin, c), verification_uri_complete: `${origin}/device?user_code=${code}` });
      case 'otherhost': return json(200, { ...good(origin, c), verification_uri_complete: `https://evil.example/device?user_code=${code}` });
      case 'otherport': return json(200, { ...good(origin, c), verification_uri_complete: `https://127.0.0.1:1/device?user_code=${code}` });
      case 'userinfo': return json(200, { ...good(origin, c), verification_uri_complete: `${origin}@evil.example/device?user_code=${code}` });
      case 'urihost': return json(200, { ...good(origin, c), verification_uri: 'https://evil.example/device' });
      case 'badcomplete': return json(200, { ...good(origin, c), verification_uri_complete: 7 });
      default: return json(200, good(origin, c));
    }
  }
  switch (c) {
    case 'noidtoken': return json(200, { access_token: 'opaque', token_type: 'Bearer' });
    case 'expired': return json(400, { error: 'expired_token' });
    case 'tokenhtml': res.writeHead(502); return res.end('<html>bad gateway</html>');
    default: return json(400, { error: 'authorization_pending' });
  }
});
server.listen(0, '127.0.0.1', () => console.log(`READY ${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
