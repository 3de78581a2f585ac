import { SignedOutError, TokenStore, type TokenResult } from './state/tokens.js';

export const CLIENT_ID = 'flextell-inbox';

/** An API error as the inbox shows it: the API's `message` verbatim (docs/inbox.md#loading-and-errors). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string[]> = {},
  ) {
    super(message);
  }
}

export const NETWORK_MESSAGE = 'Cannot reach the server. Check your connection.';

/** POST /oauth/token as a public client (form-encoded, no secret). */
export async function postToken(fields: Record<string, string>): Promise<TokenResult> {
  const response = await fetch('/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, client_id: CLIENT_ID }).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok) return { ok: true, token: body as never };
  return { ok: false, error: String(body.error ?? 'server_error'), ...(body.error_description ? { description: String(body.error_description) } : {}) };
}

interface RequestOptions {
  body?: unknown;
  /** A multipart body (the media upload); sent as is. */
  form?: FormData;
  tenant?: number | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The public API with the user's token (docs/inbox.md): `X-Tenant` of the address's tenant, a new `Idempotency-Key`
 * per POST (kept across its retries), a refresh and one retry on 401 `invalid_token`.
 */
export class Api {
  /** Server time minus device time, from the `Date` header: countdowns use the server's clock. */
  clockOffsetMs = 0;
  onForbiddenTenant: () => void = () => undefined;
  onRateLimited: (message: string) => void = () => undefined;
  /** A 403 `forbidden`: the member's permissions changed; the tenant's view reloads its roles. */
  onForbidden: () => void = () => undefined;

  constructor(readonly tokens: TokenStore) {}

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const idempotencyKey = method === 'POST' ? crypto.randomUUID() : null;
    let token = await this.tokens.accessToken();
    let response = await this.send(method, path, options, token, idempotencyKey);
    if (response.status === 401) {
      const body = (await response
        .clone()
        .json()
        .catch(() => ({}))) as { error?: string };
      if (body.error === 'invalid_token' || body.error === 'unauthorized') {
        token = await this.tokens.replaceRejected(token);
        response = await this.send(method, path, options, token, idempotencyKey);
      }
    }
    // A 429 on a read, or a 409 idempotency_key_in_use on a POST (the same key still running): once more after Retry-After.
    if (response.status === 429 || response.status === 409) {
      const body = (await response
        .clone()
        .json()
        .catch(() => ({}))) as { error?: string; message?: string };
      const retryable = response.status === 429 ? method === 'GET' : body.error === 'idempotency_key_in_use';
      if (retryable) {
        if (response.status === 429 && body.message) this.onRateLimited(body.message);
        await sleep(Math.min(60, Number(response.headers.get('retry-after')) || 1) * 1000);
        response = await this.send(method, path, options, token, idempotencyKey);
      }
    }
    return this.read<T>(response);
  }

  private async send(method: string, path: string, options: RequestOptions, token: string, idempotencyKey: string | null): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (options.tenant) headers['x-tenant'] = String(options.tenant);
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    let body: BodyInit | undefined;
    if (options.form) body = options.form;
    else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    // A network failure of a POST is retried with the same key (after 1, 2 and 4 s): the server answers it once.
    const delays = method === 'POST' ? [1000, 2000, 4000] : [];
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(`/api/v1${path}`, { method, headers, body });
        const date = response.headers.get('date');
        if (date) this.clockOffsetMs = Date.parse(date) - Date.now();
        return response;
      } catch {
        const delay = delays[attempt];
        if (delay === undefined) throw new ApiError(0, 'network', NETWORK_MESSAGE);
        await sleep(delay);
      }
    }
  }

  async read<T>(response: Response): Promise<T> {
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = {};
    }
    if (response.ok) return body as T;
    const code = String(body.error ?? 'error');
    if (response.status === 403 && code === 'tenant_forbidden') this.onForbiddenTenant();
    if (response.status === 403 && code === 'forbidden') this.onForbidden();
    throw new ApiError(
      response.status,
      code,
      String(body.message ?? `The request failed (${response.status}).`),
      (body.errors as Record<string, string[]>) ?? {},
    );
  }
}

/** One multipart POST through XMLHttpRequest, which reports upload progress (fetch does not). */
function xhrPost(url: string, headers: Record<string, string>, form: FormData, onProgress: (fraction: number) => void): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', url);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onload = () => resolve(new Response(request.responseText, { status: request.status, headers: { date: request.getResponseHeader('date') ?? '' } }));
    request.onerror = () => reject(new ApiError(0, 'network', NETWORK_MESSAGE));
    request.send(form);
  });
}

/**
 * A file upload with progress (docs/inbox.md#composer). A refresh during the upload sends it again once, with the same
 * Idempotency-Key, so the server stores it once.
 */
export async function uploadMedia<T>(api: Api, path: string, tenant: number, form: FormData, onProgress: (fraction: number) => void): Promise<T> {
  const key = crypto.randomUUID();
  const attempt = (token: string) =>
    xhrPost(`/api/v1${path}`, { authorization: `Bearer ${token}`, 'x-tenant': String(tenant), 'idempotency-key': key }, form, onProgress);
  let token = await api.tokens.accessToken();
  let response = await attempt(token);
  if (response.status === 401) {
    token = await api.tokens.replaceRejected(token);
    response = await attempt(token);
  }
  return api.read<T>(response);
}

export function isSignedOut(error: unknown): boolean {
  return error instanceof SignedOutError;
}
