/* global process, console, fetch, URL, URLSearchParams, Buffer */
/**
 * A small OAuth client for Flextell: the authorization-code flow with PKCE (S256) against a local server, then an
 * API call and one refresh (oauth.md §12). No dependencies: Node 20's fetch, http and crypto.
 *
 *   FLEXTELL_CLIENT_ID=… FLEXTELL_CLIENT_SECRET=… node examples/oauth-client/client.mjs
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { pathToFileURL } from 'node:url';

function base64url(buffer) {
  return Buffer.from(buffer).toString('base64url');
}

/** Waits on the loopback redirect URI for the authorization server to send the browser back. */
function listenForCallback(redirectUri) {
  const wanted = new URL(redirectUri);
  let resolveParams;
  const params = new Promise((resolve) => (resolveParams = resolve));
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, `http://${request.headers.host}`);
    if (url.pathname !== wanted.pathname) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('You can close this window and return to the terminal.');
    resolveParams(url.searchParams);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // A registered loopback URI without a port accepts any port (RFC 8252): port 0 lets the system choose.
    server.listen(Number(wanted.port || 0), wanted.hostname.replace(/^\[|\]$/g, ''), () => {
      const bound = new URL(redirectUri);
      bound.port = String(server.address().port);
      resolve({ redirectUri: bound.href, params, close: () => server.close() });
    });
  });
}

async function tokenRequest(baseUrl, client, fields) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = new URLSearchParams(fields);
  if (client.clientSecret) {
    // client_secret_basic: each half is form-encoded before base64 (RFC 6749 §2.3.1).
    const encode = (text) => encodeURIComponent(text).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${encode(client.clientId)}:${encode(client.clientSecret)}`).toString('base64')}`;
  } else {
    body.set('client_id', client.clientId);
  }
  const response = await fetch(new URL('/oauth/token', baseUrl), { method: 'POST', headers, body: body.toString() });
  const json = await response.json();
  if (!response.ok) throw new Error(`Token request failed: ${json.error}: ${json.error_description}`);
  return json;
}

async function api(baseUrl, accessToken, path, tenantId) {
  const headers = { authorization: `Bearer ${accessToken}`, accept: 'application/json' };
  if (tenantId !== undefined) headers['x-tenant'] = String(tenantId);
  const response = await fetch(new URL(path, baseUrl), { headers });
  const json = await response.json();
  if (!response.ok) throw new Error(`GET ${path} failed with ${response.status}: ${json.message}`);
  return json;
}

/**
 * The whole flow. `openBrowser(url)` shows the authorization URL to the user (the command line prints it);
 * tests pass a function that signs in and approves.
 */
export async function runFlow({ baseUrl, clientId, clientSecret = null, redirectUri, scope, openBrowser, log = () => {} }) {
  const client = { clientId, clientSecret };
  const callback = await listenForCallback(redirectUri);
  try {
    const verifier = base64url(crypto.randomBytes(32));
    const challenge = base64url(crypto.createHash('sha256').update(verifier).digest());
    const state = base64url(crypto.randomBytes(16));
    const authorize = new URL('/oauth/authorize', baseUrl);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: callback.redirectUri,
      scope,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    await openBrowser(authorize.href);

    const params = await callback.params;
    if (params.get('state') !== state) throw new Error('The state does not match: ignoring this callback.');
    if (params.get('error')) throw new Error(`Authorization failed: ${params.get('error')}: ${params.get('error_description')}`);
    const tokens = await tokenRequest(baseUrl, client, {
      grant_type: 'authorization_code',
      code: params.get('code'),
      redirect_uri: callback.redirectUri,
      code_verifier: verifier,
    });
    log(`Access token for "${tokens.scope}", valid ${tokens.expires_in} s.`);

    const tenants = await api(baseUrl, tokens.access_token, '/api/v1/account/tenants');
    const tenantId = tenants.data[0]?.id;
    log(`Organisations: ${tenants.data.map((tenant) => `${tenant.name} (${tenant.id})`).join(', ')}`);
    const conversations = await api(baseUrl, tokens.access_token, '/api/v1/conversations?per_page=5', tenantId);
    log(`Conversations in ${tenantId}: ${conversations.meta.total}`);

    // Refresh before expiry; always keep the newest refresh token (the old one is now used up).
    const refreshed = await tokenRequest(baseUrl, client, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    log('Refreshed: a new access token and a new refresh token.');
    return { tokens, tenants, conversations, refreshed };
  } finally {
    callback.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const clientId = process.env.FLEXTELL_CLIENT_ID;
  if (!clientId) {
    console.error('Set FLEXTELL_CLIENT_ID (and FLEXTELL_CLIENT_SECRET for a confidential application).');
    process.exit(2);
  }
  runFlow({
    baseUrl: process.env.FLEXTELL_URL ?? 'http://127.0.0.1:8080',
    clientId,
    clientSecret: process.env.FLEXTELL_CLIENT_SECRET ?? null,
    redirectUri: process.env.FLEXTELL_REDIRECT_URI ?? 'http://127.0.0.1:8787/callback',
    scope: process.env.FLEXTELL_SCOPE ?? 'conversations:read account:read',
    openBrowser: async (url) => console.log(`Open this URL in your browser and sign in:\n\n  ${url}\n`),
    log: (line) => console.log(line),
  }).then(
    () => process.exit(0),
    (error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
