// The workstation client's side of the test provider (idp.mjs; issue 20):
// what pam-jwt-login talks to.  idp.mjs documents the interface (client,
// grants, token exchange, /admin endpoints); this module implements it.
//
//   LOGIN_CLIENT             the public client's id (IDP_LOGIN_CLIENT, default pam-jwt-login)
//   loginClientMetadata()    its static registration
//   rawBody(ctx)             the request body as a string, read once (64 KiB at most)
//                            and left in ctx.req.body for oidc-provider's parser
//   install(provider, opts)  token exchange grant, password check, resource
//                            policy, counters; returns admin(req, res), which
//                            answers /admin/* and returns true, else false
//     opts: issuer, publicJwks, passwords {user: password},
//           anyLoginClients [client ids whose sign-ins take any login],
//           adminSecretFile, resourceServerInfo(ctx, resource, client)
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createLocalJWKSet, jwtVerify, decodeJwt } from 'jose';
import { errors } from 'oidc-provider';

const env = process.env;
export const LOGIN_CLIENT = env.IDP_LOGIN_CLIENT || 'pam-jwt-login';
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const TT_ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const TT_ID = 'urn:ietf:params:oauth:token-type:id_token';
const TT_JWT = 'urn:ietf:params:oauth:token-type:jwt';
const RESOURCE_PATTERN = new RegExp(env.IDP_RESOURCE_PATTERN || '^ssh://');
const RESOURCE_POLICY = env.IDP_RESOURCE_POLICY || 'any';
const BODY_MAX = 64 * 1024;
const EXCHANGE = env.IDP_TOKEN_EXCHANGE !== '0';

export function loginClientMetadata() {
  return {
    client_id: LOGIN_CLIENT,
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://127.0.0.1/callback'],
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE, ...(EXCHANGE ? [TOKEN_EXCHANGE] : [])],
  };
}

// The body of a request, read at most once: oidc-provider's own parser takes
// an already read body from ctx.req.body.
export async function rawBody(ctx) {
  if (typeof ctx.req.body === 'string') return ctx.req.body;
  const raw = await new Promise((resolve, reject) => {
    let data = '';
    ctx.req.setEncoding('utf8');
    ctx.req.on('data', (c) => {
      data += c;
      if (data.length > BODY_MAX) {
        reject(new errors.InvalidRequest('request body too large'));
        ctx.req.destroy();
      }
    });
    ctx.req.on('end', () => resolve(data));
    ctx.req.on('error', reject);
  });
  ctx.req.body = raw;
  return raw;
}

function rawBodyNode(req) {
  return new Promise((resolve) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c) => {
      data += c;
      if (data.length > BODY_MAX) req.destroy();
    });
    req.on('end', () => resolve(data));
    req.on('error', () => resolve(''));
  });
}

const digest = (s) => createHash('sha256').update(String(s)).digest();
const sameSecret = (a, b) => timingSafeEqual(digest(a), digest(b));

export function install(provider, opts) {
  const {
    issuer, publicJwks, passwords, anyLoginClients, adminSecretFile, resourceServerInfo,
  } = opts;
  const keyset = createLocalJWKSet({
    keys: publicJwks.keys.map((k) => Object.fromEntries(Object.entries(k).filter(([, v]) => v !== undefined))),
  });

  // --- grants by account (for /admin/revoke and the exchange's liveness) --
  const grantsOf = new Map(); // accountId -> Set(grantId)
  provider.on('grant.saved', (grant) => {
    if (!grantsOf.has(grant.accountId)) grantsOf.set(grant.accountId, new Set());
    grantsOf.get(grant.accountId).add(grant.jti);
  });
  async function liveGrant(accountId, clientId) {
    for (const id of grantsOf.get(accountId) || []) {
      const g = await provider.Grant.find(id);
      if (g && !g.isExpired && g.clientId === clientId) return id;
    }
    return undefined;
  }
  async function revokeUser(accountId) {
    const ids = [...(grantsOf.get(accountId) || [])];
    for (const id of ids) {
      await Promise.all([provider.AccessToken, provider.RefreshToken, provider.AuthorizationCode,
        provider.DeviceCode].map((m) => m.revokeByGrantId(id)));
      await provider.Grant.adapter.destroy(id);
    }
    grantsOf.delete(accountId);
    return ids.length;
  }

  // --- RFC 8707 on refresh: any resource the pattern allows (as Entra's
  // multi-resource refresh tokens), unless IDP_RESOURCE_POLICY=granted ----
  if (RESOURCE_POLICY !== 'granted') {
    class Allowed extends Set {
      has(r) { return super.has(r) || (typeof r === 'string' && RESOURCE_PATTERN.test(r)); }
    }
    Object.defineProperty(provider.RefreshToken.prototype, 'resourceIndicators', {
      get() {
        const granted = Array.isArray(this.resource) ? this.resource : [this.resource];
        return this.clientId === LOGIN_CLIENT ? new Allowed(granted) : new Set(granted);
      },
    });
  }

  // --- counters and the token endpoint's log line ---------------------------
  const stats = { token: {}, token_ok: {}, authorize: 0, targets: {} };
  const bump = (o, k) => { o[k] = (o[k] || 0) + 1; };
  provider.use(async (ctx, next) => {
    if (ctx.path === '/auth') stats.authorize += 1;
    if (ctx.path === '/token' && ctx.method === 'POST') {
      const p = new URLSearchParams(await rawBody(ctx));
      const grant = p.get('grant_type') || '-';
      let client = p.get('client_id') || '-';
      const basic = /^Basic (.+)$/.exec(ctx.get('authorization') || '');
      if (basic) client = decodeURIComponent(Buffer.from(basic[1], 'base64').toString().split(':')[0]);
      const target = p.getAll('resource').concat(p.getAll('audience')).join(',') || '-';
      bump(stats.token, grant);
      await next();
      if (ctx.status === 200) {
        bump(stats.token_ok, grant);
        if (target !== '-') bump(stats.targets, target);
      }
      console.error(`token client=${client} grant=${grant} target=${target} status=${ctx.status}${ctx.status === 200 ? '' : ` error=${ctx.body?.error}`}`);
      return;
    }
    // Passwords on the login page, except for the clients that take any login.
    if (ctx.method === 'POST' && /^\/interaction\/[^/]+$/.test(ctx.path)) {
      const p = new URLSearchParams(await rawBody(ctx));
      if (p.get('prompt') === 'login') {
        const { params } = await provider.interactionDetails(ctx.req, ctx.res);
        const user = p.get('login') || '';
        const want = Object.hasOwn(passwords, user) ? passwords[user] : undefined;
        if (!anyLoginClients.includes(params.client_id)
            && (want === undefined || !sameSecret(want, p.get('password') || ''))) {
          console.error(`login refused: client=${params.client_id} user=${JSON.stringify(user.slice(0, 64))}`);
          ctx.status = 403;
          ctx.type = 'html';
          ctx.body = `<!DOCTYPE html><html><head><title>Sign-in failed</title></head><body>
<h1>Sign-in failed</h1><p id="error">Wrong login name or password.</p>
<p><a id="retry" href="${ctx.path}">Try again</a></p></body></html>`;
          return;
        }
        console.error(`login ok: client=${params.client_id} user=${user}`);
      }
    }
    await next();
  });

  // --- RFC 8693 token exchange ----------------------------------------------
  async function subjectAccount(ctx, token, type, client) {
    const jws = token.split('.').length === 3;
    if (type === TT_ID || (type === TT_JWT && jws)) {
      let payload;
      try {
        ({ payload } = await jwtVerify(token, keyset, { issuer, audience: client.clientId }));
      } catch (err) {
        throw new errors.InvalidGrant(`subject token invalid: ${err.code || err.message}`);
      }
      if (payload.azp && payload.azp !== client.clientId) throw new errors.InvalidGrant('subject token is for another client');
      if (typeof payload.sub !== 'string') throw new errors.InvalidGrant('subject token has no sub');
      const grantId = await liveGrant(payload.sub, client.clientId);
      if (!grantId) throw new errors.InvalidGrant('the sign-in of that subject token was revoked');
      return { accountId: payload.sub, grantId };
    }
    if (type !== TT_ACCESS) throw new errors.InvalidRequest('unsupported subject_token_type');
    if (jws) {
      // An audience-bound access token (a host's token) is never traded for
      // another audience: whoever received it could otherwise reach every host.
      let aud;
      try { ({ aud } = decodeJwt(token)); } catch { aud = undefined; }
      throw new errors.InvalidGrant(`subject token is bound to ${JSON.stringify(aud)}: exchange the sign-in token`);
    }
    const at = await provider.AccessToken.find(token);
    if (!at || at.isExpired) throw new errors.InvalidGrant('subject token not found or expired');
    if (at.clientId !== client.clientId) throw new errors.InvalidGrant('subject token is for another client');
    if (at.aud || at.resourceServer) throw new errors.InvalidGrant('subject token is bound to an audience');
    const grant = at.grantId && await provider.Grant.find(at.grantId);
    if (!grant || grant.isExpired) throw new errors.InvalidGrant('the sign-in of that subject token was revoked');
    return { accountId: at.accountId, grantId: at.grantId };
  }

  if (EXCHANGE) provider.registerGrantType(TOKEN_EXCHANGE, async (ctx, next) => {
    const { params, client } = ctx.oidc;
    if (!params.subject_token || !params.subject_token_type) {
      throw new errors.InvalidRequest('subject_token and subject_token_type are required');
    }
    if (params.actor_token) throw new errors.InvalidRequest('delegation (actor_token) is not supported');
    if (params.requested_token_type && ![TT_ACCESS, TT_JWT].includes(params.requested_token_type)) {
      throw new errors.InvalidRequest('requested_token_type must be an access token or a JWT');
    }
    const targets = [].concat(params.audience || [], params.resource || []);
    if (targets.length !== 1) throw new errors.InvalidTarget('name exactly one audience or resource');
    const [target] = targets;
    if (!RESOURCE_PATTERN.test(target)) throw new errors.InvalidTarget(`audience not allowed: ${target}`);
    const { accountId, grantId } = await subjectAccount(ctx, params.subject_token, params.subject_token_type, client);
    const account = await provider.Account.findAccount(ctx, accountId);
    if (!account) throw new errors.InvalidGrant('subject unknown');
    const at = new provider.AccessToken({
      accountId, client, grantId, gty: 'token_exchange',
    });
    at.resourceServer = new provider.ResourceServer(target, await resourceServerInfo(ctx, target, client));
    ctx.oidc.entity('AccessToken', at);
    const value = await at.save();
    ctx.body = {
      access_token: value,
      issued_token_type: params.requested_token_type === TT_JWT ? TT_JWT : TT_ACCESS,
      token_type: 'Bearer',
      expires_in: at.expiration,
    };
    await next();
  }, ['subject_token', 'subject_token_type', 'audience', 'resource', 'requested_token_type', 'scope',
    'actor_token', 'actor_token_type'], ['audience', 'resource']);

  // --- /admin (loopback tests only) -----------------------------------------
  let secret;
  if (adminSecretFile) {
    secret = randomBytes(32).toString('hex');
    writeFileSync(adminSecretFile, `${secret}\n`, { mode: 0o600 });
  }
  const reply = (res, status, obj) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.setHeader('cache-control', 'no-store');
    res.end(JSON.stringify(obj));
  };
  const authorized = (req) => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
    return secret !== undefined && m !== null && sameSecret(secret, m[1]);
  };
  return function admin(req, res) {
    const path = (req.url || '').split('?')[0];
    if (!path.startsWith('/admin/')) return false;
    if (req.method === 'GET' && path === '/admin/stats') {
      reply(res, 200, stats);
      return true;
    }
    if (req.method !== 'POST') {
      reply(res, 404, { error: 'not_found' });
      return true;
    }
    if (!authorized(req)) {
      reply(res, 401, { error: 'unauthorized' });
      return true;
    }
    rawBodyNode(req).then(async (raw) => {
      const p = new URLSearchParams(raw);
      if (path === '/admin/revoke' && p.get('user')) {
        const n = await revokeUser(p.get('user'));
        console.error(`admin: revoked ${n} grant(s) of user=${p.get('user')}`);
        reply(res, 200, { revoked: n });
      } else if (path === '/admin/stats/reset') {
        stats.token = {}; stats.token_ok = {}; stats.authorize = 0; stats.targets = {};
        reply(res, 200, stats);
      } else {
        reply(res, 404, { error: 'not_found' });
      }
    }).catch((err) => reply(res, 500, { error: String(err.message) }));
    return true;
  };
}
