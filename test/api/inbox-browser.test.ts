/**
 * The agent inbox in a real browser (docs/inbox.md): Debian's Chromium through playwright-core over a real server whose
 * Telegram adapter talks to a fake Bot API. `.ci/run` installs chromium; elsewhere the test is skipped when the binary
 * is missing, never under CI=true.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { addMembership, createDraft } from '../support/factories.js';
import { conversationWithCustomer } from '../support/outbound.js';
import {
  botReceived,
  teamApi,
  trackEventStreams,
  customerWrites,
  CHROMIUM,
  cspViolations,
  seriousViolations,
  signIn,
  startInboxWorld,
  telegramConversation,
  type InboxWorld,
} from '../support/inbox-browser.js';

const available = fs.existsSync(CHROMIUM);
if (!available && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing; .ci/run installs it.`);

const IMAGES = path.resolve(import.meta.dirname, '../../docs/images');

describe.skipIf(!available)('the inbox in Chromium', () => {
  let world: InboxWorld;
  beforeAll(async () => {
    world = await startInboxWorld();
  });
  afterAll(async () => world?.close());

  it('signs in, replies, pauses and resumes the agent, sends an edited suggestion, blocks and unblocks', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 6 });
    const { conversationId, botToken } = await telegramConversation(world, seed, 'Is the store open on Sunday?');
    await createDraft(world.h, seed, conversationId, 'Hello! How can I help you today?');
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const csp = cspViolations(page);
    await signIn(page, world.base, seed);
    // The code and state left the address; the list is the API's, newest first.
    expect(new URL(page.url()).search).toBe('');
    const rows = page.getByRole('list', { name: 'Conversations' });
    const row = rows.getByRole('link', { name: 'Mehmet Kaya', exact: true });
    await expect.poll(() => row.getAttribute('aria-describedby')).toBeTruthy();
    fs.mkdirSync(IMAGES, { recursive: true });
    await page.screenshot({ path: path.join(IMAGES, 'inbox-list.png') });

    await row.click();
    await page.waitForURL(new RegExp(`/c/${conversationId}$`));
    await expect.poll(() => row.getAttribute('aria-current')).toBe('page');
    const thread = page.getByRole('main', { name: 'Mehmet Kaya' });
    const log = thread.getByRole('log', { name: 'Messages' });
    await expect.poll(() => log.getByRole('article', { name: 'Message from Mehmet Kaya' }).textContent()).toContain('Is the store open on Sunday?');
    const suggestion = thread.getByRole('region', { name: 'AI suggestion' });
    await expect.poll(() => suggestion.textContent()).toContain('Hello! How can I help you today?');
    await page.screenshot({ path: path.join(IMAGES, 'inbox-thread.png') });

    // A reply: Enter sends; the fake Bot API receives it.
    const composer = thread.getByRole('form', { name: 'Reply' });
    await composer.getByRole('textbox', { name: 'Message' }).fill('Yes, from 10 to 16.');
    await composer.getByRole('textbox', { name: 'Message' }).press('Enter');
    await expect.poll(() => botReceived(world, botToken), { timeout: 15_000 }).toContain('Yes, from 10 to 16.');
    await expect.poll(() => log.getByRole('article').filter({ hasText: 'Yes, from 10 to 16.' }).count()).toBe(1);

    // Pause for an hour, then resume. (The reply itself handed the conversation to the person: a timed pause.)
    const agent = thread.getByRole('group', { name: 'AI agent' });
    await agent.getByRole('button', { name: 'Pause AI agent', exact: true }).click();
    await page.getByRole('menu', { name: 'Pause for' }).getByRole('menuitem', { name: '1 hour', exact: true }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'The AI agent is paused for 60 minutes.' }).count()).toBe(1);
    await expect.poll(() => agent.textContent()).toMatch(/Paused by .+ · (60|59) min left/);
    await agent.getByRole('button', { name: 'Resume AI agent', exact: true }).click();
    await expect.poll(() => agent.textContent()).toContain('AI agent active');

    // The pending suggestion, edited in the composer and sent.
    await suggestion.getByRole('button', { name: 'Edit suggestion', exact: true }).click();
    const message = composer.getByRole('textbox', { name: 'Message' });
    await expect.poll(() => message.inputValue()).toBe('Hello! How can I help you today?');
    await message.fill('Hello! We are open on Sunday from 10 to 16.');
    await composer.getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(() => botReceived(world, botToken), { timeout: 15_000 }).toContain('Hello! We are open on Sunday from 10 to 16.');
    await expect.poll(() => suggestion.count()).toBe(0);
    await expect.poll(() => log.getByRole('article').filter({ hasText: 'AI suggestion' }).count()).toBe(1);

    // Block for a day, then unblock.
    await thread.getByRole('button', { name: 'Block customer', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Block customer' });
    await dialog.getByRole('combobox', { name: 'Duration' }).selectOption({ label: '24 hours' });
    await dialog.getByRole('button', { name: 'Block', exact: true }).click();
    const status = thread.getByRole('group', { name: 'Block status' });
    await expect.poll(() => status.textContent()).toMatch(/Blocked on Zebrafoot bot: Manual · (1 day|23 hours( \d+ minutes?)?) left/);
    await expect.poll(() => composer.textContent()).toContain('The customer is blocked: their new messages are held back.');
    await status.getByRole('button', { name: 'Unblock customer', exact: true }).click();
    await page.getByRole('alertdialog', { name: 'Unblock customer?' }).getByRole('button', { name: 'Unblock', exact: true }).click();
    await expect.poll(() => thread.getByRole('button', { name: 'Block customer', exact: true }).count()).toBe(1);
    expect(csp).toEqual([]);
    await context.close();
  });

  it('works by keyboard alone: sign-in, j and k, /, e, r with Enter, and the pause menu', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 6 });
    const { conversationId, botToken } = await telegramConversation(world, seed, 'Do you ship to Izmir?');
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${world.base}/app`);
    await page.waitForURL(/\/oauth\/login/);
    await page.getByRole('textbox', { name: 'Email' }).focus();
    await page.keyboard.type(seed.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(seed.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/app/t/${seed.tenant_id}$`));
    const rows = page.getByRole('list', { name: 'Conversations' }).getByRole('link');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(2);
    const names = await rows.allTextContents();
    const current = () => page.locator('a[aria-current="page"] .row-name').textContent();

    await page.keyboard.press('j');
    await expect.poll(current).toBe('Mehmet Kaya');
    expect(names[0]).toContain('Mehmet Kaya');
    await page.keyboard.press('j');
    await expect.poll(() => page.url()).not.toContain(`/c/${conversationId}`);
    await page.keyboard.press('k');
    await expect.poll(() => page.url()).toMatch(new RegExp(`/c/${conversationId}$`));
    // Opening a thread never moves focus into the composer, so j and k keep working.
    expect(await page.evaluate(() => document.activeElement?.id ?? '')).not.toBe('message');

    // e: marks the open conversation read and opens the next one with unread messages.
    const unreadNames = await page.locator('li.row.unread .row-name').allTextContents();
    expect(unreadNames.length).toBeGreaterThan(0);
    await page.keyboard.press('e');
    await expect.poll(current).toBe(unreadNames.find((name) => name !== 'Mehmet Kaya'));
    // k moves up to the first row and stops there (nothing happens past the end).
    for (let presses = 0; presses < names.length; presses++) await page.keyboard.press('k');
    await expect.poll(current).toBe('Mehmet Kaya');

    // r focuses the composer; Enter sends; Esc leaves it.
    await page.keyboard.press('r');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('message');
    await page.keyboard.type('Yes, we ship everywhere in Turkey.');
    await page.keyboard.press('Enter');
    await expect.poll(() => botReceived(world, botToken), { timeout: 15_000 }).toContain('Yes, we ship everywhere in Turkey.');
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.activeElement?.id ?? '')).not.toBe('message');

    // The pause menu by keyboard: Tab to its button, Enter opens the menu on its first item, arrows move, Enter picks.
    await tabTo(page, 'Pause AI agent');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('30 minutes');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const agent = page.getByRole('group', { name: 'AI agent' });
    await expect.poll(() => agent.textContent()).toMatch(/Paused by .+ · (60|59) min left/);
    // Focus returns to the menu button.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Pause AI agent');

    // /: focus the search; typing filters after a pause, Esc clears.
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('search');
    await page.keyboard.type('Mehmet Kaya');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain('q=Mehmet+Kaya');
    await expect.poll(() => rows.allTextContents()).toEqual([expect.stringContaining('Mehmet Kaya')]);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.url()).not.toContain('q=');
    await expect.poll(() => rows.count()).toBe(names.length);

    // ? opens the shortcut help; Esc closes it.
    await page.keyboard.press('?');
    await expect.poll(() => page.getByRole('dialog', { name: 'Keyboard shortcuts' }).count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog', { name: 'Keyboard shortcuts' }).count()).toBe(0);
    await context.close();
  });

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

  it('edits a reply inline and deletes it through Message actions', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 1 });
    const { conversationId } = await telegramConversation(world, seed, 'Is the blue one in stock?');
    await teamApi(world, seed, 'POST', `/conversations/${conversationId}/messages`, { message: 'It is, in every size.' });
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${conversationId}`);
    const log = page.getByRole('log', { name: 'Messages' });
    const reply = log.getByRole('article').filter({ hasText: 'It is, in every size.' });
    await expect.poll(() => reply.count(), { timeout: 15_000 }).toBe(1);
    // The customer's message can be quoted or copied, not edited.
    await log.getByRole('article', { name: 'Message from Mehmet Kaya' }).getByRole('button', { name: 'Message actions' }).click();
    expect(await page.getByRole('menu', { name: 'Message actions' }).getByRole('menuitem').allTextContents()).toEqual(['Reply', 'Copy text', 'Delete']);
    await page.keyboard.press('Escape');

    await reply.getByRole('button', { name: 'Message actions' }).click();
    await page.getByRole('menuitem', { name: 'Edit', exact: true }).click();
    // In edit mode the text is in the textbox (the article no longer shows it as text).
    const editor = log.getByRole('article').filter({ has: page.getByRole('textbox', { name: 'Edit message' }) });
    await editor.getByRole('textbox', { name: 'Edit message' }).fill('It is, in sizes 38 to 44.');
    await editor.getByRole('button', { name: 'Save', exact: true }).click();
    const edited = log.getByRole('article').filter({ hasText: 'It is, in sizes 38 to 44.' });
    await expect.poll(() => edited.textContent()).toContain('(edited)');

    await edited.getByRole('button', { name: 'Message actions' }).click();
    await page.getByRole('menuitem', { name: 'Delete', exact: true }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete message?' });
    expect(await confirm.textContent()).toContain('The message stays in the conversation, marked as deleted. The customer keeps their copy.');
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => edited.textContent()).toMatch(/Deleted by .+/);
    const messages = await teamApi(world, seed, 'GET', `/conversations/${conversationId}/messages`);
    expect(messages.data.find((message: { message: string }) => message.message === 'It is, in sizes 38 to 44.')).toMatchObject({
      is_edited: true,
      is_deleted: true,
    });
    await context.close();
  });

  it('sends a file with its caption through "Attach file", with a chip and "Remove attachment"', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 1 });
    const { conversationId, botToken } = await telegramConversation(world, seed, 'Can you send me the size chart?');
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${conversationId}`);
    const composer = page.getByRole('form', { name: 'Reply' });
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    const choose = async () => {
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), composer.getByRole('button', { name: 'Attach file', exact: true }).click()]);
      await chooser.setFiles({ name: 'size-chart.png', mimeType: 'image/png', buffer: png });
    };
    await choose();
    await expect.poll(() => composer.textContent()).toContain('size-chart.png (70 B)');
    await composer.getByRole('button', { name: 'Remove attachment', exact: true }).click();
    expect(await composer.textContent()).not.toContain('size-chart.png');
    await choose();
    await composer.getByRole('textbox', { name: 'Message' }).fill('Here is the chart.');
    await composer.getByRole('button', { name: 'Send', exact: true }).click();
    const log = page.getByRole('log', { name: 'Messages' });
    const open = log.getByRole('button', { name: 'Open image size-chart.png', exact: true });
    await expect.poll(() => open.count(), { timeout: 15_000 }).toBe(1);
    expect(await log.getByRole('article').filter({ hasText: 'Here is the chart.' }).count()).toBe(1);
    await open.click();
    const preview = page.getByRole('dialog', { name: 'Image preview' });
    expect(await preview.getByRole('img', { name: 'size-chart.png' }).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await preview.getByRole('button', { name: 'Zoom in', exact: true }).click();
    await expect.poll(() => preview.getByRole('img').evaluate((image) => (image as HTMLElement).style.transform)).toBe('scale(1.5)');
    await page.keyboard.press('Escape');
    await expect.poll(() => preview.count()).toBe(0);
    // Focus returns to the button that opened it.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Open image size-chart.png');
    await world.h.drainJobs();
    await expect
      .poll(async () => {
        await world.h.drainJobs();
        return world.telegram.calls('telegram:sendPhoto').filter((call) => call.path === `/bot${botToken}/sendPhoto`).length;
      })
      .toBe(1);
    await context.close();
  });

  it('shows a webhook message live in the open thread and the list, and resumes a cut stream with nothing lost or doubled', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 3 });
    const { conversationId, channelId, chatId } = await telegramConversation(world, seed, 'Hello, anyone there?');
    const streams = trackEventStreams(world);
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['notifications'] });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${conversationId}`);
    const live = page.getByRole('status', { name: 'Live updates' });
    await expect.poll(() => live.textContent(), { timeout: 15_000 }).toBe('Connected');
    const log = page.getByRole('log', { name: 'Messages' });
    await expect.poll(() => log.getByRole('article').count()).toBe(1);

    await customerWrites(world, channelId, chatId, 'My order number is 4411.');
    await expect.poll(() => log.getByRole('article').filter({ hasText: 'My order number is 4411.' }).count(), { timeout: 10_000 }).toBe(1);
    const row = page.getByRole('list', { name: 'Conversations' }).getByRole('link', { name: 'Mehmet Kaya', exact: true });
    await expect.poll(async () => page.locator(`#${await row.getAttribute('aria-describedby')}`).textContent()).toContain('My order number is 4411.');

    // The network drops: a message written meanwhile arrives once after the reconnect, resumed by id.
    expect(streams.cut()).toBeGreaterThan(0);
    await customerWrites(world, channelId, chatId, 'Are you still there?');
    await expect.poll(() => log.getByRole('article').filter({ hasText: 'Are you still there?' }).count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => live.textContent(), { timeout: 15_000 }).toBe('Connected');
    await customerWrites(world, channelId, chatId, 'Thanks!');
    await expect.poll(() => log.getByRole('article').filter({ hasText: 'Thanks!' }).count(), { timeout: 10_000 }).toBe(1);
    expect(await log.getByRole('article').allTextContents()).toHaveLength(4);

    // Desktop notifications (Account menu): a customer's message while the tab is hidden, once per conversation per 10 s.
    await page.getByRole('button', { name: 'Account', exact: true }).click();
    const item = page.getByRole('menuitemcheckbox', { name: 'Desktop notifications', exact: true });
    expect(await item.getAttribute('aria-checked')).toBe('false');
    await item.click();
    await page.getByRole('button', { name: 'Account', exact: true }).click();
    await expect.poll(() => item.getAttribute('aria-checked')).toBe('true');
    await page.keyboard.press('Escape');
    await page.evaluate(() => {
      const shown: string[] = [];
      (window as unknown as { shown: string[] }).shown = shown;
      Object.defineProperty(document, 'visibilityState', { get: () => 'hidden' });
      (window as unknown as { Notification: unknown }).Notification = class {
        onclick: (() => void) | null = null;
        constructor(text: string) {
          shown.push(text);
        }
      };
    });
    await customerWrites(world, channelId, chatId, 'Hello again');
    await customerWrites(world, channelId, chatId, 'And again');
    await expect.poll(() => page.evaluate(() => (window as unknown as { shown: string[] }).shown)).toEqual(['Mehmet Kaya: Hello again']);
    await context.close();
  });

  it('edits a block and shows the messages it held back', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 1 });
    const { conversationId, channelId, chatId } = await telegramConversation(world, seed, 'You are useless!');
    const conversation = (await teamApi(world, seed, 'GET', `/conversations/${conversationId}`)).data;
    await teamApi(world, seed, 'POST', '/channel-blacklists', {
      channel_id: channelId,
      customer_id: conversation.customer.id,
      reason: 'manual',
      ttl_seconds: 3600,
    });
    await customerWrites(world, channelId, chatId, 'Let me in!');
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${conversationId}`);
    const status = page.getByRole('group', { name: 'Block status' });
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toMatch(/Blocked on Zebrafoot bot: Manual · (1 hour|\d+ minutes) left/);

    await status.getByRole('button', { name: 'Edit block', exact: true }).click();
    const edit = page.getByRole('dialog', { name: 'Edit block' });
    expect(await edit.getByRole('combobox', { name: 'Duration' }).inputValue()).toBe('keep');
    await edit.getByRole('combobox', { name: 'Reason' }).selectOption({ label: 'Abusive language' });
    await edit.getByRole('combobox', { name: 'Duration' }).selectOption({ label: 'Permanent' });
    await edit.getByRole('textbox', { name: 'Note' }).fill('Insults in chat');
    expect(await seriousViolations(page)).toEqual([]);
    await edit.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => status.textContent()).toContain('Blocked on Zebrafoot bot: Abusive language · permanently');
    expect(await status.textContent()).toContain('Insults in chat');

    await status.getByRole('button', { name: 'View held messages', exact: true }).click();
    const held = page.getByRole('dialog', { name: 'Held messages' });
    await expect.poll(() => held.textContent()).toContain('Let me in!');
    expect(await seriousViolations(page)).toEqual([]);
    await held.getByRole('button', { name: 'Close', exact: true }).click();
    await expect.poll(() => held.count()).toBe(0);
    // The held message never reached the thread.
    expect(await page.getByRole('log', { name: 'Messages' }).textContent()).not.toContain('Let me in!');
    await context.close();
  });

  it("edits the customer in the panel, with the API's 422 messages under their fields", { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 1 });
    const { conversationId } = await telegramConversation(world, seed, 'Please update my details.');
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${conversationId}`);
    const panel = page.getByRole('complementary', { name: 'Customer details' });
    await panel.getByRole('button', { name: 'Edit customer', exact: true }).click({ timeout: 15_000 });
    await panel.getByRole('textbox', { name: 'Email' }).fill('not-an-email');
    await panel.getByRole('button', { name: 'Save customer', exact: true }).click();
    await expect.poll(() => panel.textContent()).toContain('The email field must be a valid email address.');
    await panel.getByRole('textbox', { name: 'Email' }).fill('mehmet@example.test');
    await panel.getByRole('textbox', { name: 'First name' }).fill('Mehmet Ali');
    await panel.getByRole('textbox', { name: 'Job' }).fill('Architect');
    expect(await seriousViolations(page)).toEqual([]);
    await panel.getByRole('button', { name: 'Save customer', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { level: 2, name: 'Mehmet Ali Kaya' }).count()).toBeGreaterThan(0);
    await expect.poll(() => panel.textContent()).toContain('Architect');
    expect(await panel.textContent()).toContain('mehmet@example.test');
    expect(await panel.getByRole('heading', { name: 'AI activity' }).count()).toBe(1);
    const customer = (await teamApi(world, seed, 'GET', `/conversations/${conversationId}`)).data.customer;
    expect([customer.first_name, customer.last_name]).toEqual(['Mehmet Ali', 'Kaya']);
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

  it('sends a suggestion as is with "Take over from the AI": the agent stays paused until resumed', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 1 });
    const { conversationId, botToken } = await telegramConversation(world, seed, 'Hello');
    await createDraft(world.h, seed, conversationId, 'Hello! How can I help you today?');
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${conversationId}`);
    const suggestion = page.getByRole('region', { name: 'AI suggestion' });
    await suggestion.getByRole('checkbox', { name: 'Take over from the AI' }).check({ timeout: 15_000 });
    await suggestion.getByRole('button', { name: 'Send suggestion', exact: true }).click();
    await expect.poll(() => botReceived(world, botToken), { timeout: 15_000 }).toEqual(['Hello! How can I help you today?']);
    await expect.poll(() => suggestion.count()).toBe(0);
    await expect.poll(() => page.getByRole('group', { name: 'AI agent' }).textContent()).toMatch(/Paused by .+ until resumed/);
    await context.close();
  });

  it('shows the reply window of a WhatsApp conversation: closed disables the composer, closing soon warns', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 0 });
    const now = world.h.clock.now().getTime();
    const closed = await conversationWithCustomer(world.h, seed, 'whatsapp', '+905320000001', new Date(now - 25 * 3600_000));
    const closing = await conversationWithCustomer(world.h, seed, 'whatsapp', '+905320000002', new Date(now - 23.5 * 3600_000));
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${closed}`);
    const window = page.getByRole('status', { name: 'Reply window' });
    await expect.poll(() => window.textContent(), { timeout: 15_000 }).toMatch(/^The 24-hour reply window closed at .+\. The customer has to write first\.$/);
    expect(await page.getByRole('textbox', { name: 'Message' }).isDisabled()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${closing}`);
    await expect.poll(() => window.textContent(), { timeout: 15_000 }).toMatch(/^Reply window closes in \d+ minutes?\.$/);
    expect(await page.getByRole('textbox', { name: 'Message' }).isDisabled()).toBe(false);
    await context.close();
  });
});

/** Presses Tab until the focused element's text is `name` (keyboard-only navigation). */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let presses = 0; presses < 60; presses++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.textContent?.trim())) === name) return;
  }
  throw new Error(`Tab never reached ${name}`);
}
