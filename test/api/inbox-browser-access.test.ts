/**
 * The inbox in Chromium (docs/inbox.md#tests): axe-core at 1280 and 360 px, the sign-in failure screen, the Viewer's
 * read-only thread, switching organisations and signing out of every tab. Skipped without /usr/bin/chromium, never
 * under CI=true.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from '../support/chromium.js';
import { addMembership, createDraft } from '../support/factories.js';
import { teamApi, seriousViolations, signIn, startInboxWorld, telegramConversation, type InboxWorld } from '../support/inbox-browser.js';

const available = chromiumAvailable();

describe.skipIf(!available)('the inbox in Chromium: access and accessibility', () => {
  let world: InboxWorld;
  beforeAll(async () => {
    world = await startInboxWorld();
  });
  afterAll(async () => world?.close());

  it('has no serious or critical axe violation at 1280 and 360 px, and nothing scrolls sideways at 360 px', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 6 });
    const { conversationId } = await telegramConversation(world, seed, 'Where is my parcel? https://example.com/track?id=1');
    await createDraft(world.h, seed, conversationId, 'It left our warehouse this morning.');
    await teamApi(world, seed, 'POST', '/channel-blacklists', {
      channel_id: (await teamApi(world, seed, 'GET', `/conversations/${conversationId}`)).data.channel.id,
      customer_id: (await teamApi(world, seed, 'GET', `/conversations/${conversationId}`)).data.customer.id,
      reason: 'abusive_language',
      ttl_seconds: 3600,
      note: 'Insults',
    });
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    const report: Record<string, string[]> = {};
    for (const [width, height] of [
      [1280, 800],
      [360, 740],
    ] as const) {
      await page.setViewportSize({ width, height });
      await page.goto(`${world.base}/app/t/${seed.tenant_id}`);
      await expect.poll(() => page.getByRole('list', { name: 'Conversations' }).getByRole('link').count()).toBeGreaterThan(0);
      report[`${width} list`] = await seriousViolations(page);
      report[`${width} list scroll width`] =
        width === 360 ? [String(await page.evaluate(() => document.documentElement.scrollWidth))].filter((value) => Number(value) > 360) : [];

      await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${conversationId}`);
      const thread = page.getByRole('main', { name: 'Mehmet Kaya' });
      await expect.poll(() => thread.getByRole('region', { name: 'AI suggestion' }).count()).toBe(1);
      await expect.poll(() => thread.getByRole('group', { name: 'Block status' }).count()).toBe(1);
      report[`${width} thread`] = await seriousViolations(page);
      report[`${width} thread scroll width`] =
        width === 360 ? [String(await page.evaluate(() => document.documentElement.scrollWidth))].filter((value) => Number(value) > 360) : [];

      await thread.getByRole('button', { name: 'Unblock customer', exact: true }).click();
      await expect.poll(() => page.getByRole('alertdialog', { name: 'Unblock customer?' }).count()).toBe(1);
      report[`${width} unblock dialog`] = await seriousViolations(page);
      await page.keyboard.press('Escape');

      await page.getByRole('button', { name: 'Account', exact: true }).click();
      await page.getByRole('menuitem', { name: 'Keyboard shortcuts', exact: true }).click();
      await expect.poll(() => page.getByRole('dialog', { name: 'Keyboard shortcuts' }).count()).toBe(1);
      report[`${width} shortcuts`] = await seriousViolations(page);
      await page.keyboard.press('Escape');

      if (width === 360) {
        // One pane at a time: customer details take the thread's place, under its header.
        await thread.getByRole('button', { name: 'Customer details', exact: true }).click();
        const panel = page.getByRole('complementary', { name: 'Customer details' });
        await expect.poll(() => panel.isVisible()).toBe(true);
        expect(await thread.getByRole('log', { name: 'Messages' }).isVisible()).toBe(false);
        report['360 customer details'] = await seriousViolations(page);
        report['360 customer details scroll width'] = [String(await page.evaluate(() => document.documentElement.scrollWidth))].filter(
          (value) => Number(value) > 360,
        );
        await thread.getByRole('button', { name: 'Back to conversations', exact: true }).click();
        await expect.poll(() => page.getByRole('navigation', { name: 'Conversation list' }).isVisible()).toBe(true);
      }
    }
    expect(report).toEqual(Object.fromEntries(Object.keys(report).map((key) => [key, []])));
    await context.close();
  });

  it('shows "Sign-in failed" with "Sign in again" for a callback without a pending sign-in, with no axe violation', async () => {
    const context = await world.browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(`${world.base}/app/callback?code=abc&state=forged`);
    await expect.poll(() => page.getByRole('heading', { name: 'Sign-in failed' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Sign in again', exact: true }).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    // The check itself can fail: a button without a name is a critical violation.
    await page.evaluate(() => document.body.append(document.createElement('button')));
    expect(await seriousViolations(page)).toEqual([expect.stringMatching(/^button-name: /)]);
    await context.close();
  });

  it('shows a Viewer the thread read-only: no composer, no suggestion or agent buttons, no marking read', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 2 });
    const { conversationId } = await telegramConversation(world, seed, 'Can someone call me back?');
    await createDraft(world.h, seed, conversationId, 'Of course, when suits you?');
    const roles = await teamApi(world, seed, 'GET', '/roles');
    const viewerRole = roles.data.find((role: { name: string }) => role.name === 'Viewer');
    const email = `viewer.${Date.now()}@users.test`;
    await teamApi(world, seed, 'POST', '/users', {
      name: 'Vera Viewer',
      email,
      password: 'correct horse',
      password_confirmation: 'correct horse',
      role_ids: [viewerRole.id],
    });
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, { email, password: 'correct horse', tenant_id: seed.tenant_id });
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${conversationId}`);
    const thread = page.getByRole('main', { name: 'Mehmet Kaya' });
    await expect.poll(() => thread.textContent(), { timeout: 15_000 }).toContain('You have read-only access to this conversation.');
    const suggestion = thread.getByRole('region', { name: 'AI suggestion' });
    await expect.poll(() => suggestion.textContent()).toContain('Of course, when suits you?');
    expect(await suggestion.getByRole('button').count()).toBe(0);
    expect(await thread.getByRole('form', { name: 'Reply' }).count()).toBe(0);
    expect(await thread.getByRole('group', { name: 'AI agent' }).getByRole('button').count()).toBe(0);
    expect(await thread.getByRole('group', { name: 'AI agent' }).textContent()).toContain('AI agent active');
    expect(await thread.getByRole('button', { name: 'Block customer', exact: true }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    // A Viewer's open thread does not mark the conversation read.
    const conversation = await teamApi(world, seed, 'GET', `/conversations/${conversationId}`);
    expect(conversation.data.unread_count).toBe('1');
    await context.close();
  });

  it('switches organisations, remembers the last one, and refuses one the user is not a member of', { timeout: 240_000 }, async () => {
    const home = await world.h.seedTenant({ conversations: 2 });
    const other = await world.h.seedTenant({ conversations: 3 });
    await addMembership(world.h, other.tenant_id, home.user_id, ['Agent']);
    const names = (await teamApi(world, home, 'GET', '/account/tenants')).data.map((tenant: { name: string }) => tenant.name);
    expect(names).toHaveLength(2);
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, home);
    const switcher = page.getByRole('combobox', { name: 'Organisation' });
    expect(await switcher.locator('option').allTextContents()).toEqual(names);
    const rows = page.getByRole('list', { name: 'Conversations' }).getByRole('listitem');
    await expect.poll(() => rows.count()).toBe(2);

    await switcher.selectOption({ value: String(other.tenant_id) });
    await page.waitForURL(new RegExp(`/app/t/${other.tenant_id}$`));
    await expect.poll(() => rows.count()).toBe(3);
    await expect.poll(() => page.getByRole('status', { name: 'Live updates' }).textContent(), { timeout: 15_000 }).toBe('Connected');
    await expect.poll(() => page.title()).toMatch(new RegExp(`Inbox · ${names[1]}$`));

    // /app goes to the last organisation used.
    await page.goto(`${world.base}/app`);
    await page.waitForURL(new RegExp(`/app/t/${other.tenant_id}$`));
    // An organisation of someone else: the access screen with links to the user's own.
    const stranger = await world.h.seedTenant();
    await page.goto(`${world.base}/app/t/${stranger.tenant_id}`);
    await expect.poll(() => page.getByText('You do not have access to this organisation.').count()).toBe(1);
    expect(await page.getByRole('link').allTextContents()).toEqual(names);
    await context.close();
  });

  it('signs out every tab: the token is revoked, the keys removed, and signing in again returns to the inbox', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 1 });
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    // A second tab continues without signing in: it reads the stored refresh token.
    const second = await context.newPage();
    await second.goto(`${world.base}/app`);
    await second.waitForURL(new RegExp(`/app/t/${seed.tenant_id}$`));
    const refreshToken = await page.evaluate(() => localStorage.getItem('flextell.inbox.refresh_token'));
    expect(refreshToken).toBeTruthy();

    await page.getByRole('button', { name: 'Account', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/oauth\/login/);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('flextell.inbox.')))).toEqual([]);
    await expect.poll(() => second.getByRole('heading', { name: 'You are signed out.' }).count()).toBe(1);
    const refreshed = await fetch(`${world.base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken!, client_id: 'flextell-inbox' }).toString(),
    });
    expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant');

    await page.getByRole('textbox', { name: 'Email' }).fill(seed.email);
    await page.getByLabel('Password').fill(seed.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(new RegExp(`/app/t/${seed.tenant_id}$`));
    await context.close();
  });
});
