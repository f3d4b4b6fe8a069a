// A real OpenID Connect provider on loopback: panva/oidc-provider (the certified reference implementation),
// for the SSO tests (tests/services/org/test_sso_provider.py starts it) and `make sso-demo`.
//
//   node tests/oidc/provider.mjs --port 9400 --config tests/oidc/demo.json [--redirect-uri URI]
//
// The config file (JSON) names the clients (client_id, client_secret, redirect_uris) and the accounts
// (email → {name, groups}). --redirect-uri (repeatable) replaces the clients' redirect URIs: `make sso-demo`
// passes the demo organization's callback under the dev server's PUBLIC_BASE_URL, so `PORT=8000 make run`
// and `PORT=8000 make sso-demo` work together (the provider compares redirect URIs exactly). Signing in is headless when the authorization request carries a login_hint
// naming a known account (Ambassador sends the address the person typed); otherwise a small form asks for
// the address. An unknown or removed account is refused with access_denied, as a real provider refuses a
// person it no longer knows. Claims reach the client the standard way: `sub` in the ID token, email, name
// and groups from the userinfo endpoint (conformIdTokenClaims stays on, as by default).
//
// A control endpoint on the same loopback port lets the tests act on the provider between logins:
//   POST /__control {"op": "accounts", "accounts": {...}}   replace the accounts (remove a person, change groups)
//   POST /__control {"op": "rotate"}                        a new signing key (new kid) replaces the old one
//   POST /__control {"op": "wrong_audience", "client_id": "x"}  the next ID token the token endpoint returns is
//                                                           signed by the provider's key for client "x" instead
// It prints "ready <issuer>" once listening.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

import { SignJWT, decodeJwt, exportJWK, generateKeyPair, importJWK } from 'jose';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: { port: { type: 'string', default: '9400' }, host: { type: 'string', default: '127.0.0.1' },
             config: { type: 'string' }, 'redirect-uri': { type: 'string', multiple: true } },
});
const settings = JSON.parse(readFileSync(args.config, 'utf8'));
if (args['redirect-uri']) {
  settings.clients = settings.clients.map((client) => ({ ...client, redirect_uris: args['redirect-uri'] }));
}
let accounts = settings.accounts || {};
let wrongAudience = null;
let keyNumber = 0;

async function signingKey() {
  keyNumber += 1;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `key-${keyNumber}-${Date.now()}`, alg: 'RS256', use: 'sig' };
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginForm(uid, message = '') {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local OpenID provider</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem">
<h1>Local OpenID provider</h1><p>A test provider: choose an account (no password).</p>
${message ? `<p role="alert">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="email">Email</label><br><input id="email" name="email" type="email" required autofocus><br><br>
<button type="submit">Sign in</button></form>
<p>Accounts: ${Object.keys(accounts).map(escape).join(', ') || 'none'}</p></body></html>`;
}

function makeProvider(issuer, keys) {
  const provider = new Provider(issuer, {
    clients: settings.clients.map((client) => ({
      grant_types: ['authorization_code'], response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic', ...client,
    })),
    jwks: { keys },
    cookies: { keys: ['ambassador-test-provider-cookie-key'] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (ctx, id) => {
      const account = accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        claims: () => ({ sub: id, email: id, email_verified: true, name: account.name || id,
                         groups: account.groups || [] }),
      };
    },
    // A first-party test client: consent is implied (the scopes the client asked for are granted).
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId,
                                                  accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
  });
  // The wrong-audience case: a genuine ID token of this provider, signed with its key, issued to another client.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && wrongAudience && ctx.body && ctx.body.id_token) {
      const claims = decodeJwt(ctx.body.id_token);
      const key = keys[0];
      ctx.body = { ...ctx.body, id_token: await new SignJWT({ ...claims, aud: wrongAudience, azp: wrongAudience })
        .setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(await importJWK(key, key.alg)) };
      wrongAudience = null;
    }
  });
  return provider;
}

async function interaction(provider, req, res, url) {
  const details = await provider.interactionDetails(req, res);
  let email = details.params.login_hint;
  if (req.method === 'POST') {
    const body = await new Promise((resolve) => {
      let data = '';
      req.on('data', (chunk) => { data += chunk; });
      req.on('end', () => resolve(data));
    });
    email = new URLSearchParams(body).get('email');
  } else if (!email) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(loginForm(details.uid));
    return;
  }
  email = (email || '').trim().toLowerCase();
  if (!accounts[email]) {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'This account is not known to the identity provider.',
    }, { mergeWithLastSubmission: false });
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: email } }, { mergeWithLastSubmission: false });
}

async function control(req, res, issuer, state) {
  const body = await new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
  });
  const command = JSON.parse(body || '{}');
  if (command.op === 'accounts') {
    accounts = command.accounts;
  } else if (command.op === 'rotate') {
    state.keys = [await signingKey()];
    state.provider = makeProvider(issuer, state.keys);
  } else if (command.op === 'wrong_audience') {
    wrongAudience = command.client_id;
  } else {
    res.writeHead(400);
    res.end('unknown op');
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ kid: state.keys[0].kid }));
}

const server = http.createServer();
server.listen(Number(args.port), args.host, async () => {
  const issuer = `http://${args.host}:${server.address().port}`;
  const state = { keys: [await signingKey()] };
  state.provider = makeProvider(issuer, state.keys);
  server.on('request', (req, res) => {
    const url = new URL(req.url, issuer);
    const fail = (error) => {
      res.writeHead(500);
      res.end(String(error));
    };
    if (url.pathname === '/__control' && req.method === 'POST') {
      control(req, res, issuer, state).catch(fail);
    } else if (url.pathname.startsWith('/interaction/')) {
      interaction(state.provider, req, res, url).catch(fail);
    } else {
      state.provider.callback()(req, res);
    }
  });
  console.log(`ready ${issuer}`);
});
