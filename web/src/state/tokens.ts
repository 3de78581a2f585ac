/**
 * The inbox's tokens (docs/inbox.md#tokens-and-signing-out): the access token in memory, per tab; the refresh token in
 * localStorage so reloads and new tabs stay signed in. A refresh holds the Web Lock `flextell-inbox-refresh` and
 * re-reads the stored refresh token inside it, so two tabs never present the same refresh token (a reuse would
 * revoke the whole family).
 */

export const REFRESH_KEY = 'flextell.inbox.refresh_token';
export const STORAGE_PREFIX = 'flextell.inbox.';
export const REFRESH_LOCK = 'flextell-inbox-refresh';
/** Refresh this long before the access token expires. */
export const REFRESH_EARLY_MS = 60_000;

export interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
}

/** The token endpoint's answers the store needs: a token, or an OAuth error code. */
export type TokenResult = { ok: true; token: TokenAnswer } | { ok: false; error: string };

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  readonly length: number;
  key(index: number): string | null;
}

/** The part of `navigator.locks` used: an exclusive lock held while the callback runs. */
export interface Locks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

export class SignedOutError extends Error {
  constructor() {
    super('Signed out');
  }
}

export class TokenStore {
  private access: { token: string; expiresAt: number } | null = null;
  private inFlight: Promise<string> | null = null;

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly locks: Locks,
    private readonly postRefresh: (refreshToken: string) => Promise<TokenResult>,
    private readonly now: () => number = Date.now,
  ) {}

  hasRefreshToken(): boolean {
    return this.storage.getItem(REFRESH_KEY) !== null;
  }

  /** After the code exchange: keep both tokens. */
  accept(answer: TokenAnswer): void {
    if (answer.refresh_token) this.storage.setItem(REFRESH_KEY, answer.refresh_token);
    this.access = { token: answer.access_token, expiresAt: this.now() + answer.expires_in * 1000 };
  }

  /** An access token valid for at least a minute more, refreshing first when needed. */
  async accessToken(): Promise<string> {
    if (this.access && this.access.expiresAt - REFRESH_EARLY_MS > this.now()) return this.access.token;
    return this.refresh();
  }

  /** The current token was refused (401 invalid_token): forget it and refresh. */
  async replaceRejected(rejected: string): Promise<string> {
    if (this.access?.token === rejected) this.access = null;
    return this.accessToken();
  }

  /** One refresh at a time per tab, and one at a time across tabs (the Web Lock). */
  refresh(): Promise<string> {
    this.inFlight ??= this.locks
      .request(REFRESH_LOCK, () => this.refreshHoldingLock())
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  private async refreshHoldingLock(): Promise<string> {
    // Read inside the lock: another tab may have rotated it while this one waited.
    const stored = this.storage.getItem(REFRESH_KEY);
    if (stored === null) throw this.signOutLocally();
    const result = await this.postRefresh(stored);
    if (!result.ok) {
      if (result.error === 'invalid_grant') throw this.signOutLocally();
      throw new Error(result.error);
    }
    this.accept(result.token);
    return result.token.access_token;
  }

  /** Removes every `flextell.inbox.*` key (other tabs see the storage event) and the token in memory. */
  signOutLocally(): SignedOutError {
    this.access = null;
    const keys: string[] = [];
    for (let index = 0; index < this.storage.length; index++) {
      const key = this.storage.key(index);
      if (key?.startsWith(STORAGE_PREFIX)) keys.push(key);
    }
    for (const key of keys) this.storage.removeItem(key);
    return new SignedOutError();
  }
}

/** `navigator.locks` where there is one; else a lock within this tab only (old browsers). */
export function browserLocks(): Locks {
  const native = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (native) {
    return {
      request<T>(name: string, callback: () => Promise<T>): Promise<T> {
        return native.request(name, callback) as unknown as Promise<T>;
      },
    };
  }
  let chain: Promise<unknown> = Promise.resolve();
  return {
    request<T>(_name: string, callback: () => Promise<T>): Promise<T> {
      const run = chain.then(callback, callback);
      chain = run.catch(() => undefined);
      return run;
    },
  };
}
