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
// Env: CERT, KEY.  Prints "READY PORT".
import https from 'node:https';
import { readFileSync } from 'node:fs';

const good = (origin, c) => ({
  device_code: 'dc-' + c, user_code: 'WXYZ-ABCD', verification_uri: `${origin}/device`,
  expires_in: 60, interval: 1,
});
const server = https.createServer({ cert: readFileSync(process.env.CERT), key: readFileSync(process.env.KEY) }, (req, res) => {
  const [, c, ep] = req.url.split('/');
  const origin = `https://127.0.0.1:${server.address().port}`;
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
