// Test OpenID provider for the pam_jwt end-to-end tests (oidc-provider on loopback HTTPS).
//
// Tokens come from the OAuth 2.0 client credentials grant with a resource
// indicator (RFC 8707): the access token is a JWS (typ at+jwt) whose aud is the
// resource, carrying the claims of the user that the client stands for.
//
//   POST /token  grant_type=client_credentials  resource=ssh://127.0.0.1[?alg=ES256&ttl=60&len=2500]
//   (HTTP basic auth CLIENT:CLIENT-secret; see get-token.sh)
//
// Resource query options (they are not part of aud; aud = resource up to '?'):
//   alg=RS256|ES256|EdDSA  signing algorithm (default RS256). A last path segment
//                          /rs256, /es256 or /eddsa picks it too (then it stays in aud).
//   ttl=SECONDS            token lifetime (default IDP_TTL; IDP_LOGIN_TTL for the
//                          workstation client).
//   len=N                  pad the token (x_padding claim) to exactly N characters.
//
// Environment:
//   IDP_CERT, IDP_KEY  TLS certificate and key (required)
//   IDP_PORT           port on 127.0.0.1 (default 8443; 0 = any free port)
//   IDP_ISSUER         issuer (default https://127.0.0.1:PORT)
//   IDP_JWKS           private JWKS file: loaded if present, else generated and written there
//   IDP_TTL            access token lifetime in seconds (default 300)
//   IDP_LONG_LEN       token length for the *-long clients (default 2500)
//   IDP_CLIENTS        JSON adding clients: {"carol-cli": {"user": "carol", "groups": []}}
//   IDP_DEVICE_INTERVAL  the device flow's polling interval in seconds (default 5)
//   IDP_DEVICE_TTL     lifetime of a device code in seconds (default 600)
//   (the workstation client's variables: see below)
//
// Device authorization grant (RFC 8628): public clients ssh-device and
// ssh-device-slow (token_endpoint_auth_method none) and the confidential
// ssh-device-secret (secret "ssh-device-secret-secret"), scopes openid profile
// groups; the user signs in on the provider's own pages (/device, then the
// dev interaction login, where any login name is accepted, and consent) and
// gets an id_token with sub = preferred_username = the login name and the
// groups of USERS below.  ssh-device-slow answers slow_down to the first
// poll and to any poll sooner than interval + 5 s after the previous one.
// Every device poll is logged ("device poll client=... answer=..."), never
// a code.
//
// The workstation client (pam-jwt-login, issue 20): a public native client
//   client_id       pam-jwt-login (IDP_LOGIN_CLIENT), token_endpoint_auth_method none
//   redirect_uri    http://127.0.0.1/callback, any port (RFC 8252 7.3)
//   grants          authorization_code (PKCE S256 required, plain refused),
//                   refresh_token (always issued, offline_access not needed),
//                   urn:ietf:params:oauth:grant-type:token-exchange (RFC 8693),
//                   urn:ietf:params:oauth:grant-type:device_code (RFC 8628)
//   scopes          openid profile email groups offline_access
//   users           its sign-ins check passwords: USERS below (alice /
//                   alice-password, bob / bob-password; IDP_USERS adds
//                   {"carol": {"password": "...", "groups": [...]}}).  The
//                   ssh-device* clients keep "any login name, any password".
//                   The provider's browser session lasts 3600 s: a second
//                   authorization in the same browser profile is silent.
//   tokens          id_token and access tokens live IDP_LOGIN_TTL seconds
//                   (default 60); refresh tokens IDP_REFRESH_TTL (default
//                   28800), rotated on each use unless IDP_ROTATE_REFRESH=0
//                   (a rotated-out refresh token used again revokes the whole
//                   sign-in, as oidc-provider does).
//   resource=URI    (RFC 8707) on the authorization, code and refresh
//                   requests: the access token is a JWT (typ at+jwt) with
//                   aud = URI (up to '?'), sub = preferred_username = the
//                   login name, groups, email, client_id, jti, iat, exp.
//                   Without resource the access token is opaque (userinfo
//                   only).  A refresh request may name any resource matching
//                   IDP_RESOURCE_PATTERN (default ^ssh://), also one the
//                   authorization did not name, unless
//                   IDP_RESOURCE_POLICY=granted (strict RFC 8707: only those).
//   token exchange  (not offered with IDP_TOKEN_EXCHANGE=0: neither in discovery
//                   nor for the client, as at a provider without RFC 8693)
//                   grant_type=urn:ietf:params:oauth:grant-type:token-exchange
//                   subject_token=<the sign-in's id_token or opaque access token>
//                   subject_token_type=urn:ietf:params:oauth:token-type:id_token
//                                      (or ...:access_token)
//                   audience=ssh://HOST (or resource=ssh://HOST; exactly one)
//                   -> {access_token: JWT with aud ssh://HOST, issued_token_type
//                   ...:access_token, token_type Bearer, expires_in}.  Refused
//                   (invalid_grant): a subject token of another client, an
//                   expired or forged one, one whose sign-in was revoked, and
//                   any audience-bound JWT (a host's token is never traded
//                   for another host's); a target not matching
//                   IDP_RESOURCE_PATTERN: invalid_target.
//   revocation      the standard endpoint /token/revocation (RFC 7009; public
//                   client: client_id in the body), and for tests
//                     POST /admin/revoke  user=NAME   (header
//                     "Authorization: Bearer <secret>") revokes every grant
//                     (refresh tokens, access tokens, codes) of that user;
//                   the secret is IDP_ADMIN_SECRET_FILE, default admin.secret
//                   beside IDP_JWKS (written 0600 at start).
//   down and up     kill -USR1 <pid> (DIR/idp.pid): the provider stops listening
//                   (connection refused) but keeps its state; kill -USR2: back
//                   on the same port.  "DOWN"/"UP" lines in the log.
//   counters        GET /admin/stats: JSON {"token": {GRANT_TYPE: n},
//                   "token_ok": {...}, "authorize": n, "targets": {AUD: n}}
//                   (requests the provider answered since start; POST
//                   /admin/stats/reset with the secret zeroes them).
// The token endpoint logs one line per request ("token client=... grant=...
// target=... status=..."), never a token, code or password.
//
// Prints "READY <issuer>" on stdout once listening; exits 0 on SIGTERM/SIGINT.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { dirname, join } from 'node:path';
import Provider, { errors } from 'oidc-provider';
import * as ws from './idp-workstation.mjs';

const env = process.env;
const TTL = Number(env.IDP_TTL || 300);
const LONG_LEN = Number(env.IDP_LONG_LEN || 2500);

// client_id -> the user it stands for. The secret of each client is "<client_id>-secret".
const CLIENTS = {
  'alice-cli': { user: 'alice', groups: ['developers', 'ops'] },
  'alice-long': { user: 'alice', groups: ['developers', 'ops'], long: true },
  'bob-cli': { user: 'bob', groups: ['developers'] },
  ...JSON.parse(env.IDP_CLIENTS || '{}'),
};

// Users who sign in on the provider's pages: their groups (the device flow
// clients accept any login name) and their passwords (checked for the
// workstation client, see idp-workstation.mjs).
const USERS = {
  alice: ['developers', 'ops'],
  bob: ['developers'],
};
const PASSWORDS = { alice: 'alice-password', bob: 'bob-password' };
for (const [name, u] of Object.entries(JSON.parse(env.IDP_USERS || '{}'))) {
  USERS[name] = u.groups || [];
  if (u.password !== undefined) PASSWORDS[name] = String(u.password);
}
const DEVICE_INTERVAL = Number(env.IDP_DEVICE_INTERVAL || 5);
const DEVICE_CLIENTS = ['ssh-device', 'ssh-device-slow'];
const LOGIN_TTL = Number(env.IDP_LOGIN_TTL || 60);
const isLogin = (clientId) => clientId === ws.LOGIN_CLIENT;

// --- signing keys ---------------------------------------------------------
const KEYGEN = {
  RS256: ['rsa', { modulusLength: 2048 }],
  ES256: ['ec', { namedCurve: 'P-256' }],
  EdDSA: ['ed25519', {}],
};

function generateJwks() {
  const keys = Object.entries(KEYGEN).map(([alg, [type, options]]) => {
    const jwk = generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' });
    return { ...jwk, kid: `${alg.toLowerCase()}-${randomBytes(4).toString('hex')}`, alg, use: 'sig' };
  });
  return { keys };
}

let jwks;
if (env.IDP_JWKS && existsSync(env.IDP_JWKS)) {
  jwks = JSON.parse(readFileSync(env.IDP_JWKS, 'utf8'));
} else {
  jwks = generateJwks();
  if (env.IDP_JWKS) writeFileSync(env.IDP_JWKS, JSON.stringify(jwks, null, 2), { mode: 0o600 });
}
const keyFor = (alg) => jwks.keys.find((k) => k.alg === alg);

// --- resource indicator -> resource server --------------------------------
const ALG_BY_SEGMENT = { rs256: 'RS256', es256: 'ES256', eddsa: 'EdDSA' };

function parseResource(resource, defaultTtl = TTL) {
  const q = resource.indexOf('?');
  const audience = q < 0 ? resource : resource.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : resource.slice(q + 1));
  const alg = params.get('alg') || ALG_BY_SEGMENT[audience.split('/').pop().toLowerCase()] || 'RS256';
  if (!keyFor(alg)) throw new errors.InvalidTarget(`no signing key for alg ${alg}`);
  const ttl = Number(params.get('ttl') || defaultTtl);
  if (!Number.isInteger(ttl) || ttl < 1) throw new errors.InvalidTarget('ttl must be a positive integer');
  return { audience, alg, ttl, len: Number(params.get('len') || 0) };
}

// A resource server for every resource: JWT access tokens with aud = the
// resource (up to '?'), signed with its alg, living its ttl.
function resourceServerInfo(ctx, resource, client) {
  const { audience, alg, ttl } = parseResource(resource, isLogin(client?.clientId) ? LOGIN_TTL : TTL);
  return {
    audience,
    scope: '',
    accessTokenTTL: ttl,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg } },
  };
}

// Length of a base64url string (no padding) encoding n bytes.
const b64len = (n) => Math.floor((4 * n + 2) / 3);

function signatureLength(jwk) {
  return b64len(jwk.kty === 'RSA' ? Buffer.from(jwk.n, 'base64url').length : 64);
}

// Pad the token to exactly `len` characters: an x_padding claim of the right
// size, plus, when base64url lengths do not allow that alone (no base64url
// string is 4k+1 long), an x_padding header parameter of 0-2 characters.
function pad(jwt, alg, len) {
  const key = keyFor(alg);
  const size = (obj) => b64len(Buffer.byteLength(JSON.stringify(obj)));
  const payloadBytes = Buffer.byteLength(JSON.stringify({ ...jwt.payload, x_padding: '' }));
  for (const extra of [undefined, '', 'x', 'xx']) {
    const header = { alg, typ: 'at+jwt', kid: key.kid }; // as oidc-provider builds it
    if (extra !== undefined) header.x_padding = extra;
    const want = len - size(header) - signatureLength(key) - 2; // base64url payload length
    let n = Math.max(0, Math.floor((want * 3) / 4) - payloadBytes - 2);
    while (b64len(payloadBytes + n) < want) n += 1;
    if (b64len(payloadBytes + n) === want) {
      jwt.payload.x_padding = 'x'.repeat(n);
      if (extra !== undefined) jwt.header = { x_padding: extra };
      return;
    }
  }
  // len is shorter than the unpadded token: leave it as it is.
}

// --- provider -------------------------------------------------------------
function makeProvider(issuer) {
  const provider = new Provider(issuer, {
    jwks,
    clients: [
      ...Object.keys(CLIENTS).map((client_id) => ({
        client_id,
        client_secret: `${client_id}-secret`,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      })),
      ...DEVICE_CLIENTS.map((client_id) => ({
        client_id,
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'none',
      })),
      { // a confidential device client (client_secret_file)
        client_id: 'ssh-device-secret',
        client_secret: 'ssh-device-secret-secret',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      ws.loginClientMetadata(),
    ],
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          return {
            sub: id, preferred_username: id, groups: USERS[id] || [], email: `${id}@example.test`,
          };
        },
      };
    },
    claims: {
      openid: ['sub'], profile: ['preferred_username'], groups: ['groups'], email: ['email'],
    },
    scopes: ['openid', 'profile', 'groups', 'email', 'offline_access'],
    conformIdTokenClaims: false, // the id_token carries the scopes' claims
    ttl: {
      ClientCredentials: (ctx, token) => token.resourceServer?.accessTokenTTL || TTL,
      DeviceCode: Number(env.IDP_DEVICE_TTL || 600),
      IdToken: (ctx, token, client) => (isLogin(client?.clientId) ? LOGIN_TTL : TTL),
      AccessToken: (ctx, token, client) => token.resourceServer?.accessTokenTTL
        || (isLogin(client?.clientId) ? LOGIN_TTL : TTL),
      RefreshToken: Number(env.IDP_REFRESH_TTL || 28800),
      Grant: Number(env.IDP_REFRESH_TTL || 28800),
      Interaction: 600,
      Session: 3600,
    },
    pkce: { methods: ['S256'], required: () => true },
    issueRefreshToken: async (ctx, client, code) => client.grantTypeAllowed('refresh_token')
      && (isLogin(client.clientId) || code.scopes.has('offline_access')),
    rotateRefreshToken: env.IDP_ROTATE_REFRESH !== '0',
    // The workstation's refresh tokens outlive the browser session.
    expiresWithSession: async (ctx, code) => !isLogin(code.clientId) && !code.scopes.has('offline_access'),
    cookies: { keys: [randomBytes(32).toString('hex')] },
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => false,
        getResourceServerInfo: resourceServerInfo,
      },
    },
    // The user's claims: the client_credentials clients stand for a fixed
    // user; the others carry the signed-in account's.
    extraTokenClaims(ctx, token) {
      const c = CLIENTS[token.clientId];
      if (c) return { preferred_username: c.user, groups: c.groups };
      if (token.accountId) {
        return {
          preferred_username: token.accountId,
          groups: USERS[token.accountId] || [],
          email: `${token.accountId}@example.test`,
        };
      }
      return undefined;
    },
    formats: {
      customizers: {
        jwt(ctx, token, jwt) {
          const c = CLIENTS[token.clientId];
          if (c) jwt.payload.sub = c.user; // default would be the client_id
          const { alg, len } = parseResource(token.resourceServer.identifier());
          const want = len || (c?.long ? LONG_LEN : 0);
          if (want) pad(jwt, alg, want);
        },
      },
    },
  });
  const admin = ws.install(provider, {
    issuer,
    publicJwks: { keys: jwks.keys.map(({ kty, crv, x, y, n, e, kid, alg, use }) => ({ kty, crv, x, y, n, e, kid, alg, use })) },
    passwords: PASSWORDS,
    anyLoginClients: [...DEVICE_CLIENTS, 'ssh-device-secret'],
    resourceServerInfo,
    adminSecretFile: env.IDP_ADMIN_SECRET_FILE || (env.IDP_JWKS ? join(dirname(env.IDP_JWKS), 'admin.secret') : undefined),
  });
  // The device flow's interval, and slow_down for ssh-device-slow.
  const lastPoll = new Map(); // device code -> time of its last poll (ms)
  provider.use(async (ctx, next) => {
    const isPoll = ctx.path === '/token' && ctx.method === 'POST';
    if (isPoll) {
      const params = new URLSearchParams(await ws.rawBody(ctx));
      if (params.get('grant_type') === 'urn:ietf:params:oauth:grant-type:device_code') {
        const client = params.get('client_id');
        const code = params.get('device_code') || '';
        const now = Date.now();
        const prev = lastPoll.get(code);
        lastPoll.set(code, now);
        const gap = prev === undefined ? -1 : (now - prev) / 1000;
        if (client === 'ssh-device-slow' && (prev === undefined || gap < DEVICE_INTERVAL + 5 - 0.5)) {
          console.error(`device poll client=${client} gap=${gap.toFixed(1)} answer=slow_down`);
          ctx.status = 400;
          ctx.body = { error: 'slow_down' };
          return;
        }
        await next();
        console.error(`device poll client=${client} gap=${gap.toFixed(1)} answer=${ctx.status === 200 ? 'token' : ctx.body?.error} at=${Date.now()}`);
        return;
      }
    }
    await next();
    if (ctx.path === '/device/auth' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      ctx.body.interval = DEVICE_INTERVAL;
      console.error('device authorization issued');
    }
  });
  provider.on('grant.success', (ctx) => console.error(`grant ok: client=${ctx.oidc.client?.clientId} resource=${ctx.oidc.params.resource}`));
  provider.on('grant.error', (ctx, err) => console.error(`grant error: ${err.message} ${err.error_description || ''} ${err.error_detail || ''}`));
  provider.on('server_error', (ctx, err) => console.error('server error:', err));
  return { provider, admin };
}

// --- HTTPS on loopback ----------------------------------------------------
if (!env.IDP_CERT || !env.IDP_KEY) {
  console.error('idp.mjs: IDP_CERT and IDP_KEY must name the TLS certificate and key');
  process.exit(2);
}

let handler = (req, res) => { res.statusCode = 503; res.end(); };
const server = https.createServer(
  { cert: readFileSync(env.IDP_CERT), key: readFileSync(env.IDP_KEY) },
  (req, res) => handler(req, res),
);

server.listen(Number(env.IDP_PORT || 8443), '127.0.0.1', () => {
  const issuer = env.IDP_ISSUER || `https://127.0.0.1:${server.address().port}`;
  const { provider, admin } = makeProvider(issuer);
  const callback = provider.callback();
  handler = (req, res) => admin(req, res) || callback(req, res);
  console.log(`READY ${issuer}`);
});
server.on('error', (err) => {
  console.error(`idp.mjs: ${err.message}`);
  process.exit(1);
});

function stop() {
  if (!server.listening) process.exit(0);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// SIGUSR1: "down" (stop listening, drop open connections: clients get
// connection refused; tokens, grants and sessions stay in memory); SIGUSR2:
// up again on the same port.
let port;
let downTimer; // keeps the process alive while nothing listens
server.on('listening', () => { port = server.address().port; });
process.on('SIGUSR1', () => {
  if (!server.listening) return;
  downTimer = setInterval(() => {}, 1 << 30);
  server.close();
  server.closeAllConnections();
  console.error('DOWN (SIGUSR1)');
});
process.on('SIGUSR2', () => {
  if (server.listening) return;
  server.listen(port, '127.0.0.1', () => {
    clearInterval(downTimer);
    console.error('UP (SIGUSR2)');
  });
});
