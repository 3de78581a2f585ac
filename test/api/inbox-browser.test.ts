/**
 * The agent inbox in a real browser (docs/inbox.md#tests): Debian's Chromium through playwright-core over a real server
 * whose Telegram adapter talks to a fake Bot API — the main path, the keyboard-only run and live updates. `.ci/run`
 * installs chromium; elsewhere the test is skipped when the binary is missing, never under CI=true.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from '../support/chromium.js';
import type { Page } from 'playwright-core';
import { createDraft } from '../support/factories.js';
import {
  botReceived,
  trackEventStreams,
  customerWrites,
  cspViolations,
  signIn,
  startInboxWorld,
  telegramConversation,
  type InboxWorld,
} from '../support/inbox-browser.js';

const available = chromiumAvailable();

const IMAGES = path.resolve(import.meta.dirname, '../../docs/images');
/** The README's screenshots are rewritten only on request (UPDATE_SCREENSHOTS=1), so a test run leaves the tree clean. */
async function screenshot(page: Page, name: string): Promise<void> {
  const shot = await page.screenshot();
  expect(shot.subarray(1, 4).toString()).toBe('PNG');
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  fs.mkdirSync(IMAGES, { recursive: true });
  fs.writeFileSync(path.join(IMAGES, name), shot);
}

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
    await screenshot(page, 'inbox-list.png');

    await row.click();
    await page.waitForURL(new RegExp(`/c/${conversationId}$`));
    await expect.poll(() => row.getAttribute('aria-current')).toBe('page');
    const thread = page.getByRole('main', { name: 'Mehmet Kaya' });
    const log = thread.getByRole('log', { name: 'Messages' });
    await expect.poll(() => log.getByRole('article', { name: 'Message from Mehmet Kaya' }).textContent()).toContain('Is the store open on Sunday?');
    const suggestion = thread.getByRole('region', { name: 'AI suggestion' });
    await expect.poll(() => suggestion.textContent()).toContain('Hello! How can I help you today?');
    await screenshot(page, 'inbox-thread.png');

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
});

/** Presses Tab until the focused element's text is `name` (keyboard-only navigation). */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let presses = 0; presses < 60; presses++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.textContent?.trim())) === name) return;
  }
  throw new Error(`Tab never reached ${name}`);
}
