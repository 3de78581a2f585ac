/**
 * Issue #12 item 4: login attempts are counted before the password is checked (no burst gets past the limit), every
 * email variant shares one budget, and a browser that signed in before (device cookie) is not held by the account limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { sql } from '../support/factories.js';
import { hiddenValue, listeningHarness } from '../support/oauth-browser.js';

let h: Harness;
let base: string;
// The default limits: 10 per (email, IP), 50 per IP, 30 per account.
beforeAll(async () => ({ h, base } = await listeningHarness()));
afterAll(async () => h?.close());

/** A browser at its own peer address (no TRUST_PROXY), with a cookie jar; `attempt` loads the form and posts it. */
class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(readonly ip: string) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  private remember(header: string | string[] | undefined): void {
    for (const line of header === undefined ? [] : [header].flat()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      this.cookies.set(name!.trim(), value.join('='));
    }
  }

  async attempt(email: string, password: string): Promise<{ status: number; retryAfter: string | undefined }> {
    const headers = () => ({ host: '127.0.0.1:8080', cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') });
    const page = await h.app.inject({ method: 'GET', url: '/oauth/login', remoteAddress: this.ip, headers: headers() });
    this.remember(page.headers['set-cookie']);
    const response = await h.app.inject({
      method: 'POST',
      url: '/oauth/login',
      remoteAddress: this.ip,
      headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ email, password, _csrf: hiddenValue(page.body, '_csrf') }).toString(),
    });
    this.remember(response.headers['set-cookie']);
    return { status: response.statusCode, retryAfter: response.headers['retry-after'] as string | undefined };
  }
}

async function statuses(browser: Browser, email: string, password: string, times: number): Promise<number[]> {
  const result: number[] = [];
  for (let index = 0; index < times; index++) result.push((await browser.attempt(email, password)).status);
  return result;
}

/** Fullwidth forms of ASCII letters and digits (U+FF01…): NFKC maps them back. */
function fullwidth(text: string): string {
  return text.replace(/[a-z0-9]/gi, (character) => String.fromCodePoint(character.codePointAt(0)! + 0xfee0));
}

describe('login attempts are counted before the password is checked', () => {
  it('100 parallel wrong passwords over HTTP: exactly 10 are checked (401), the other 90 answer 429', async () => {
    const seed = await h.seedTenant();
    const page = await fetch(`${base}/oauth/login`);
    const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!;
    const csrf = hiddenValue(await page.text(), '_csrf');
    const post = () =>
      fetch(`${base}/oauth/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email: seed.email, password: 'wrong guess', _csrf: csrf }).toString(),
      }).then(async (response) => (await response.text(), response.status));
    const answers = await Promise.all(Array.from({ length: 100 }, post));
    expect(answers.filter((status) => status === 401)).toHaveLength(10);
    expect(answers.filter((status) => status === 429)).toHaveLength(90);
    const [stored] = await sql(h, 'SELECT count(*)::int AS n FROM login_failures WHERE key = $1', [`${seed.email}|127.0.0.1`]);
    expect(stored!.n).toBe(10);
  });

  it('a successful attempt takes back only its own row under the address', async () => {
    const seed = await h.seedTenant();
    const browser = new Browser('192.0.2.40');
    expect(await statuses(browser, 'someone@example.com', 'guess', 3)).toEqual([401, 401, 401]);
    expect((await browser.attempt(seed.email, seed.password)).status).toBe(303);
    const [ip] = await sql(h, 'SELECT count(*)::int AS n FROM login_failures WHERE key = $1', ['ip:192.0.2.40']);
    expect(ip!.n).toBe(3);
  });
});

describe('one canonical email for lookup and limits', () => {
  it('fullwidth, long-s and case variants of the address sign in to the same account and share its budget', async () => {
    const seed = await h.seedTenant();
    const variants = [fullwidth(seed.email), seed.email.toUpperCase(), seed.email.replace(/s/g, '\u017f')];
    // Each variant names the account: the right password signs in.
    for (const variant of variants) expect((await new Browser('198.51.100.60').attempt(variant, seed.password)).status).toBe(303);
    const browser = new Browser('198.51.100.61');
    for (let index = 0; index < 10; index++) expect((await browser.attempt(variants[index % 3]!, 'guess')).status).toBe(401);
    const limited = await browser.attempt(seed.email, seed.password);
    expect(limited.status).toBe(429);
    expect(limited.retryAfter).toBe('900');
  });
});

describe('device cookies (OWASP): the per-account limit does not hold a browser that signed in before', () => {
  it('strangers lock the account; the owner’s browser still signs in, and is limited on its own device budget', async () => {
    const seed = await h.seedTenant();
    const owner = new Browser('203.0.113.70');
    expect((await owner.attempt(seed.email, seed.password)).status).toBe(303);
    const device = owner.cookie('flextell_device');
    expect(device).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);

    // Three addresses, ten failures each: the account's 30 are used up.
    for (const ip of ['203.0.113.71', '203.0.113.72', '203.0.113.73']) {
      expect(await statuses(new Browser(ip), seed.email, 'guess', 10)).toEqual(Array(10).fill(401));
    }
    expect((await new Browser('203.0.113.74').attempt(seed.email, seed.password)).status).toBe(429);
    // A browser trusted for another account, or with a forged signature, is a stranger here.
    const other = await h.seedTenant();
    const elsewhere = new Browser('203.0.113.75');
    expect((await elsewhere.attempt(other.email, other.password)).status).toBe(303);
    expect((await elsewhere.attempt(seed.email, seed.password)).status).toBe(429);
    const forged = new Browser('203.0.113.76');
    forged.setCookie('flextell_device', `${device!.split('.')[0]}.${'A'.repeat(43)}`);
    expect((await forged.attempt(seed.email, seed.password)).status).toBe(429);

    // The owner's browser is not held (from its address or a new one) …
    expect((await owner.attempt(seed.email, seed.password)).status).toBe(303);
    const travelling = new Browser('198.18.0.1');
    travelling.setCookie('flextell_device', owner.cookie('flextell_device')!);
    expect((await travelling.attempt(fullwidth(seed.email), seed.password)).status).toBe(303);
    // … but its own failures count per device: 10, then 429 even with the right password, wherever it goes.
    expect(await statuses(owner, seed.email, 'guess', 10)).toEqual(Array(10).fill(401));
    expect((await owner.attempt(seed.email, seed.password)).status).toBe(429);
    travelling.setCookie('flextell_device', owner.cookie('flextell_device')!);
    expect((await travelling.attempt(seed.email, seed.password)).status).toBe(429);
    const [account] = await sql(h, 'SELECT count(*)::int AS n FROM login_failures WHERE key = $1', [`account:${seed.email}`]);
    expect(account!.n).toBe(30);
  });

  it('the cookie remembers several accounts signed in from one browser', async () => {
    const [first, second] = [await h.seedTenant(), await h.seedTenant()];
    const browser = new Browser('203.0.113.80');
    expect((await browser.attempt(first.email, first.password)).status).toBe(303);
    expect((await browser.attempt(second.email, second.password)).status).toBe(303);
    const [device, ...signatures] = browser.cookie('flextell_device')!.split('.');
    expect(signatures).toHaveLength(2);
    for (const seed of [first, second]) {
      for (const ip of ['203.0.113.81', '203.0.113.82', '203.0.113.83']) await statuses(new Browser(ip), seed.email, 'guess', 10);
      expect((await new Browser('203.0.113.84').attempt(seed.email, seed.password)).status).toBe(429);
      expect((await browser.attempt(seed.email, seed.password)).status).toBe(303);
    }
    expect(browser.cookie('flextell_device')!.split('.')[0]).toBe(device);
  });
});
