import { postToken } from './api.js';
import { challengeOf, randomBase64url } from './state/pkce.js';
import type { TokenStore } from './state/tokens.js';

/** The sign-in of docs/inbox.md#the-flow: PKCE with the built-in public client, then back to the asked-for path. */

const PENDING_KEY = 'flextell.inbox.pending_sign_in';
export const SCOPES = 'conversations:read conversations:write customers:read customers:write blacklist:write account:read';

interface PendingSignIn {
  verifier: string;
  state: string;
  path: string;
}

export function redirectUri(): string {
  return `${location.origin}/app/callback`;
}

/** Step 1: remember verifier, state and the path in sessionStorage, then go to the authorization endpoint. */
export async function startSignIn(path: string): Promise<void> {
  const pending: PendingSignIn = { verifier: randomBase64url(32), state: randomBase64url(16), path };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: 'flextell-inbox',
    redirect_uri: redirectUri(),
    scope: SCOPES,
    state: pending.state,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
  });
  location.assign(`/oauth/authorize?${query.toString()}`);
}

export type CallbackResult = { ok: true; path: string } | { ok: false; description: string | null };

/** Step 3: check the state, exchange the code; the caller replaces the address so the code leaves history. */
export async function finishSignIn(tokens: TokenStore, search: string): Promise<CallbackResult> {
  const params = new URLSearchParams(search);
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  const pending = raw ? (JSON.parse(raw) as PendingSignIn) : null;
  if (params.get('error')) return { ok: false, description: params.get('error_description') };
  const code = params.get('code');
  if (!pending || !code || params.get('state') !== pending.state) return { ok: false, description: null };
  const result = await postToken({ grant_type: 'authorization_code', code, redirect_uri: redirectUri(), code_verifier: pending.verifier }).catch(() => null);
  if (!result?.ok) return { ok: false, description: result && 'description' in result ? String(result.description) : null };
  tokens.accept(result.token);
  return { ok: true, path: pending.path };
}

/**
 * Sign out (docs/inbox.md#tokens-and-signing-out): revoke the refresh token, remove every flextell.inbox.* key (other
 * tabs follow through the storage event), then end the login session with a plain form post back to /app.
 */
export async function signOut(tokens: TokenStore): Promise<void> {
  const refreshToken = localStorage.getItem('flextell.inbox.refresh_token');
  if (refreshToken) {
    await fetch('/oauth/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshToken, client_id: 'flextell-inbox' }).toString(),
    }).catch(() => undefined);
  }
  tokens.signOutLocally();
  const form = document.createElement('form');
  form.method = 'post';
  form.action = '/oauth/logout';
  const fields = { _csrf: document.querySelector('meta[name="flextell-csrf"]')?.getAttribute('content') ?? '', return_to: '/app' };
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}
