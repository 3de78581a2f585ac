/**
 * The periodic OAuth cleanup (issue 7 follow-up): what expired is deleted by the `oauth_cleanup` job, what reuse
 * detection still needs is kept; the login page writes no session for a visitor without a cookie.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { bodyCredentials, createClient, expectOAuthError, insertCode, postForm } from '../support/oauth.js';
import { TestBrowser, hiddenValue, logIn, listeningHarness } from '../support/oauth-browser.js';
import { enqueueRecurringJob } from '../../src/platform/jobs/job-queue.js';
import { OAUTH_CLEANUP_JOB } from '../../src/modules/oauth/oauth-cleanup.job.js';

let h: Harness;
let base: string;
beforeAll(async () => ({ h, base } = await listeningHarness()));
afterAll(async () => h?.close());

async function count(table: string): Promise<number> {
  return Number((await h.deps.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
}

async function counts() {
  const tables = ['login_sessions', 'authorization_requests', 'authorization_codes', 'refresh_tokens', 'access_tokens', 'login_failures'] as const;
  const entries = await Promise.all(tables.map(async (table) => [table, await count(table)] as const));
  return Object.fromEntries(entries) as Record<(typeof tables)[number], number>;
}

async function runCleanup(): Promise<void> {
  expect(await enqueueRecurringJob(h.deps.db, OAUTH_CLEANUP_JOB, h.clock.now())).toBe(true);
  expect(await h.drainJobs()).toBe(1);
  expect(await count('jobs')).toBe(0);
}

describe('oauth_cleanup job', () => {
  it('the worker enqueues it once: a second request while one is open adds nothing', async () => {
    // The event log's retention (docs/events.md#retention) is the other recurring job.
    expect(await h.worker.scheduleRecurring()).toEqual([OAUTH_CLEANUP_JOB, 'event_retention']);
    // Within the interval this process does not ask again; another process finds the open job and adds nothing.
    expect(await h.worker.scheduleRecurring()).toEqual([]);
    expect(await enqueueRecurringJob(h.deps.db, OAUTH_CLEANUP_JOB, h.clock.now())).toBe(false);
    const jobs = await h.deps.db.query<{ type: string; ordering_key: string; status: string }>('SELECT type, ordering_key, status FROM jobs WHERE type = $1', [
      OAUTH_CLEANUP_JOB,
    ]);
    expect(jobs.rows).toEqual([{ type: OAUTH_CLEANUP_JOB, ordering_key: `recurring:${OAUTH_CLEANUP_JOB}`, status: 'pending' }]);
    expect(await h.drainJobs()).toBe(2);
    expect(await count('jobs')).toBe(0);
  });

  it('deletes each kind when it is past use and keeps refresh families (and their codes) until their last token expired', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id);
    const before = await counts();

    // A visitor without a cookie gets the form and a cookie, but no stored session; signing in stores one.
    const browser = new TestBrowser(base);
    const page = await browser.get('/oauth/login');
    expect(page.response.status).toBe(200);
    expect(browser.cookie('flextell_session')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hiddenValue(page.html, '_csrf')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await browser.get('/oauth/login');
    expect(await count('login_sessions')).toBe(before.login_sessions);
    const failed = await browser.post('/oauth/login', { email: seed.email, password: 'wrong', _csrf: hiddenValue(page.html, '_csrf') });
    expect(failed.response.status).toBe(401);
    expect(await count('login_sessions')).toBe(before.login_sessions);
    expect((await logIn(browser, seed.email, seed.password)).status).toBe(303);
    const authorize = `/oauth/authorize?response_type=code&client_id=${client.clientId}&redirect_uri=${encodeURIComponent(client.redirectUri)}`;
    expect((await browser.get(authorize)).response.status).toBe(200);

    await insertCode(h, client, seed.user_id); // never exchanged
    const exchange = async () => {
      const code = await insertCode(h, client, seed.user_id);
      const response = await postForm(h, '/oauth/token', {
        grant_type: 'authorization_code',
        code,
        redirect_uri: client.redirectUri,
        ...bodyCredentials(client),
      });
      expect(response.status, response.body).toBe(200);
      return { code, refreshToken: response.json.refresh_token as string };
    };
    const live = await exchange();
    const rotated = await postForm(h, '/oauth/token', { grant_type: 'refresh_token', refresh_token: live.refreshToken, ...bodyCredentials(client) });
    expect(rotated.status).toBe(200);
    const revoked = await exchange();
    expect((await postForm(h, '/oauth/revoke', { token: revoked.refreshToken, ...bodyCredentials(client) })).status).toBe(200);

    const made = await counts();
    expect(made).toEqual({
      login_sessions: before.login_sessions + 1,
      authorization_requests: before.authorization_requests + 1,
      authorization_codes: before.authorization_codes + 3,
      refresh_tokens: before.refresh_tokens + 3,
      access_tokens: before.access_tokens + 3,
      // The successful login cleared the (email, IP) and account counts; the IP's stays (oauth-login-limits.test.ts).
      login_failures: before.login_failures + 1,
    });

    // Nothing is due yet.
    await runCleanup();
    expect(await counts()).toEqual(made);

    // 16 minutes: the pending consent request, the unused code and the failures are gone; used codes stay.
    h.clock.advance(16 * 60);
    await runCleanup();
    expect(await counts()).toEqual({
      ...made,
      authorization_requests: made.authorization_requests - 1,
      authorization_codes: made.authorization_codes - 1,
      login_failures: made.login_failures - 1,
    });

    // 2 h 16 min: the idle session and the expired access tokens are gone; the refresh families stay.
    h.clock.advance(2 * 3600);
    await runCleanup();
    const later = await counts();
    expect(later.login_sessions).toBe(made.login_sessions - 1);
    expect(later.access_tokens).toBe(made.access_tokens - 3);
    expect(later.refresh_tokens).toBe(made.refresh_tokens);
    expect(later.authorization_codes).toBe(made.authorization_codes - 1);
    // Reuse detection still knows both families.
    expectOAuthError(
      await postForm(h, '/oauth/token', { grant_type: 'refresh_token', refresh_token: revoked.refreshToken, ...bodyCredentials(client) }),
      400,
      'invalid_grant',
      'The refresh token has been revoked.',
    );
    expectOAuthError(
      await postForm(h, '/oauth/token', { grant_type: 'authorization_code', code: live.code, redirect_uri: client.redirectUri, ...bodyCredentials(client) }),
      400,
      'invalid_grant',
      'The authorization code has already been used.',
    );

    // 30 days after the last rotation every family's newest token has expired: families and their codes go.
    h.clock.advance(30 * 24 * 3600);
    await runCleanup();
    // (The seed's 30-day personal token has expired by now as well.)
    expect(await counts()).toEqual({
      login_sessions: 0,
      authorization_requests: 0,
      authorization_codes: 0,
      refresh_tokens: 0,
      access_tokens: 0,
      login_failures: 0,
    });
    expectOAuthError(
      await postForm(h, '/oauth/token', { grant_type: 'refresh_token', refresh_token: live.refreshToken, ...bodyCredentials(client) }),
      400,
      'invalid_grant',
      'The refresh token is invalid.',
    );
  });

  it('a rotated family is kept while its newest token lives, even when older ones expired', async () => {
    const seed = await h.seedTenant();
    const client = await createClient(h, seed.tenant_id);
    const code = await insertCode(h, client, seed.user_id);
    const first = await postForm(h, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, ...bodyCredentials(client) });
    h.clock.advance(20 * 24 * 3600);
    const second = await postForm(h, '/oauth/token', { grant_type: 'refresh_token', refresh_token: first.json.refresh_token, ...bodyCredentials(client) });
    expect(second.status).toBe(200);
    // The first token's own 30 days are over, the family's newest token has 20 days left.
    h.clock.advance(15 * 24 * 3600);
    await runCleanup();
    expectOAuthError(
      await postForm(h, '/oauth/token', { grant_type: 'refresh_token', refresh_token: first.json.refresh_token, ...bodyCredentials(client) }),
      400,
      'invalid_grant',
      'The refresh token has already been used.',
    );
    // That reuse revoked the family: the newest token no longer works.
    expectOAuthError(
      await postForm(h, '/oauth/token', { grant_type: 'refresh_token', refresh_token: second.json.refresh_token, ...bodyCredentials(client) }),
      400,
      'invalid_grant',
      'The refresh token has been revoked.',
    );
  });

  it('an anonymous login form is accepted for at least 2 hours after it was served, not after 3; a page view renews it', async () => {
    const seed = await h.seedTenant();
    const browser = new TestBrowser(base);
    const before = await count('login_sessions');
    const stale = hiddenValue((await browser.get('/oauth/login')).html, '_csrf');
    h.clock.advance(3 * 3600);
    const refused = await browser.post('/oauth/login', { email: seed.email, password: seed.password, _csrf: stale });
    expect(refused.response.status).toBe(403);
    expect(refused.html).toContain('This form has expired.');
    // The same cookie, a page served now: its form works for two hours.
    const fresh = hiddenValue((await browser.get('/oauth/login')).html, '_csrf');
    expect(fresh).not.toBe(stale);
    h.clock.advance(2 * 3600 - 1);
    const wrong = await browser.post('/oauth/login', { email: seed.email, password: 'wrong', _csrf: fresh });
    expect(wrong.response.status).toBe(401);
    // Another cookie's token is refused.
    const stranger = new TestBrowser(base);
    await stranger.get('/oauth/login');
    expect(stranger.cookie('flextell_session')).not.toBe(browser.cookie('flextell_session'));
    expect((await stranger.post('/oauth/login', { email: seed.email, password: seed.password, _csrf: fresh })).response.status).toBe(403);
    expect(await count('login_sessions')).toBe(before);
    expect((await browser.post('/oauth/login', { email: seed.email, password: seed.password, _csrf: hiddenValue(wrong.html, '_csrf') })).response.status).toBe(
      303,
    );
    expect(await count('login_sessions')).toBe(before + 1);
  });
});
