/**
 * The inbox's tokens across tabs (web/src/state/tokens.ts, docs/inbox.md#tokens-and-signing-out): tabs share the
 * refresh token through localStorage and refresh under one lock, re-reading the stored token inside it, so a rotated
 * token is never presented twice (which would revoke the whole family).
 */
import { describe, expect, it } from 'vitest';
import { REFRESH_KEY, SignedOutError, TokenStore, type KeyValueStorage, type Locks, type TokenResult } from '../../web/src/state/tokens.js';

/** One browser's localStorage, shared by its tabs. */
class MemoryStorage implements KeyValueStorage {
  private readonly items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

/** navigator.locks of one browser: an exclusive lock per name, granted in request order. */
class BrowserLocks implements Locks {
  private readonly tails = new Map<string, Promise<unknown>>();
  request<T>(name: string, callback: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    const run = previous.then(callback, callback);
    this.tails.set(
      name,
      run.catch(() => undefined),
    );
    return run;
  }
}

/** The token endpoint's refresh rotation with reuse detection: a presented token that was rotated revokes the family. */
class TokenServer {
  private serial = 0;
  private readonly live = new Set<string>();
  private readonly rotated = new Set<string>();
  familyRevoked = false;
  calls = 0;

  issue(): { access_token: string; refresh_token: string; expires_in: number } {
    const refresh = `r${++this.serial}`;
    this.live.add(refresh);
    return { access_token: `a${this.serial}`, refresh_token: refresh, expires_in: 900 };
  }

  async refresh(token: string): Promise<TokenResult> {
    this.calls++;
    // The answer takes a while: another tab gets its chance to interleave.
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.rotated.has(token)) this.familyRevoked = true;
    if (this.familyRevoked || !this.live.has(token)) return { ok: false, error: 'invalid_grant' };
    this.live.delete(token);
    this.rotated.add(token);
    return { ok: true, token: this.issue() };
  }
}

function browser(server: TokenServer, now: () => number) {
  const storage = new MemoryStorage();
  const locks = new BrowserLocks();
  const tab = () => new TokenStore(storage, locks, (token) => server.refresh(token), now);
  return { storage, locks, tab };
}

describe('the inbox token store', () => {
  it('two tabs refreshing at once each get a token, and no refresh token is presented twice', async () => {
    const server = new TokenServer();
    let clock = 0;
    const { tab, storage } = browser(server, () => clock);
    const first = tab();
    first.accept(server.issue());
    const second = tab();
    clock = 900_000; // both tabs' access tokens are due
    const [a, b] = await Promise.all([first.accessToken(), second.accessToken()]);
    expect(a).not.toBe(b);
    expect(server.familyRevoked).toBe(false);
    expect(server.calls).toBe(2);
    expect(storage.getItem(REFRESH_KEY)).toBe('r3');
  });

  it('without the shared lock and the re-read, the same two tabs would reuse a token and lose the family', async () => {
    const server = new TokenServer();
    const storage = new MemoryStorage();
    const eachTabItsOwnLock = (): Locks => new BrowserLocks();
    const first = new TokenStore(
      storage,
      eachTabItsOwnLock(),
      (token) => server.refresh(token),
      () => 900_000,
    );
    first.accept(server.issue());
    const second = new TokenStore(
      storage,
      eachTabItsOwnLock(),
      (token) => server.refresh(token),
      () => 900_000,
    );
    await Promise.allSettled([first.refresh(), second.refresh()]);
    expect(server.familyRevoked).toBe(true);
  });

  it('refreshes once per tab however many requests wait, and 60 s before expiry', async () => {
    const server = new TokenServer();
    let clock = 0;
    const { tab } = browser(server, () => clock);
    const store = tab();
    store.accept(server.issue());
    clock = 839_000;
    expect(await store.accessToken()).toBe('a1');
    clock = 840_000;
    const tokens = await Promise.all([store.accessToken(), store.accessToken(), store.accessToken()]);
    expect(new Set(tokens)).toEqual(new Set(['a2']));
    expect(server.calls).toBe(1);
  });

  it('a token refused with 401 is replaced once, not for a request holding an already newer one', async () => {
    const server = new TokenServer();
    const { tab } = browser(server, () => 0);
    const store = tab();
    store.accept(server.issue());
    expect(await store.replaceRejected('a1')).toBe('a2');
    expect(await store.replaceRejected('a1')).toBe('a2');
    expect(server.calls).toBe(1);
  });

  it('invalid_grant signs the tab out locally: every flextell.inbox.* key goes, other keys stay', async () => {
    const server = new TokenServer();
    const { tab, storage } = browser(server, () => 900_000);
    const store = tab();
    store.accept(server.issue());
    storage.setItem('flextell.inbox.draft.1.2', 'half a reply');
    storage.setItem('flextell.inbox.tenant', '1');
    storage.setItem('other.app', 'kept');
    server.familyRevoked = true;
    await expect(store.refresh()).rejects.toBeInstanceOf(SignedOutError);
    expect([
      storage.getItem(REFRESH_KEY),
      storage.getItem('flextell.inbox.draft.1.2'),
      storage.getItem('flextell.inbox.tenant'),
      storage.getItem('other.app'),
    ]).toEqual([null, null, null, 'kept']);
    expect(store.hasRefreshToken()).toBe(false);
  });

  it('a tab signed in by another reads the stored refresh token and continues without signing in', async () => {
    const server = new TokenServer();
    const { tab } = browser(server, () => 0);
    const signedIn = tab();
    signedIn.accept(server.issue());
    const opened = tab();
    expect(opened.hasRefreshToken()).toBe(true);
    expect(await opened.accessToken()).toBe('a2');
  });
});
