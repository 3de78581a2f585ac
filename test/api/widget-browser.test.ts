/**
 * The website chat widget driven in a real browser (docs/widget-client.md): Debian's Chromium through playwright-core
 * (headless) on the demo page of a listening server. `.ci/run` installs chromium; elsewhere the suite is skipped when
 * the binary is missing, never under CI=true. The team side is the public API over HTTP; jobs run through the
 * harness's worker.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumAvailable } from '../support/chromium.js';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createHarness, type Harness } from '../support/harness.js';
import { listen } from '../support/oauth-browser.js';
import { focusedInWidget, TeamApi, trackStreams } from '../support/widget-browser.js';

const available = chromiumAvailable();

describe.skipIf(!available)('the chat widget in Chromium', () => {
  let h: Harness;
  let base: string;
  let browser: Browser;
  let streams: ReturnType<typeof trackStreams>;

  beforeAll(async () => {
    h = await createHarness({ FLEXTELL_WIDGET_RATE_LIMIT_PER_MINUTE: '10000' });
    streams = trackStreams(h);
    base = await listen(h);
    // Root in a container: Chromium's sandbox needs user namespaces it may not get.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function demoPage(widgetKey: string, options: { bypassCSP?: boolean } = {}): Promise<{ page: Page; context: BrowserContext; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 }, ...options });
    const page = await context.newPage();
    // A blocked style or script (the demo page's strict CSP) or an exception in the widget fails the test.
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/Failed to load resource|ERR_INTERNET_DISCONNECTED|ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_FAILED/.test(message.text()))
        problems.push(message.text());
    });
    await page.goto(`${base}/widget/demo?key=${widgetKey}`);
    await page.locator('.launcher').waitFor();
    return { page, context, problems };
  }

  // A loaded CI machine may need more than expect.poll's default second for a round trip through jobs and the stream.
  const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000 });
  const theirs = (page: Page, text: string) => page.locator('li.theirs .bubble', { hasText: text });
  const mine = (page: Page, text: string) => page.locator('li.mine .bubble', { hasText: text });

  it('chats both ways live: history, unread count, delivered and read, a network cut with replies once each, text only', async () => {
    const seed = await h.seedTenant();
    const team = new TeamApi(h, base, seed);
    const channel = await team.createWebsiteChannel({ greeting: 'Merhaba! How can we help?', color: '#0f766e' });
    const { page, context, problems } = await demoPage(channel.widgetKey);

    // The launcher in the channel's colour; Enter opens the labelled dialog with the greeting and focus in the text box.
    const launcher = page.locator('.launcher');
    expect(await launcher.evaluate((button) => getComputedStyle(button).backgroundColor)).toBe('rgb(15, 118, 110)');
    await launcher.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Zebrafoot Shop' });
    await dialog.waitFor();
    await eventually(() => focusedInWidget(page)).toBe('ft-input');
    expect(await launcher.getAttribute('aria-expanded')).toBe('true');
    expect(await dialog.locator('li.greeting').textContent()).toBe('Merhaba! How can we help?');

    // Shift+Enter is a new line, Enter sends; the message leaves its "Sending…" state.
    await page.keyboard.type('Where is my order?');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('It is #1042.');
    await page.keyboard.press('Enter');
    expect(await page.locator('#ft-input').inputValue()).toBe('');
    const first = page.locator('li.mine').first();
    await eventually(() => first.getAttribute('data-id')).toMatch(/^\d+$/);
    expect(await first.locator('.bubble').textContent()).toBe('You: Where is my order?\nIt is #1042.');
    expect(await first.locator('.meta').textContent()).not.toContain('Sending');

    const row = await team.conversationOf(channel.id, 'Where is my order?\nIt is #1042.');
    expect(row.unread_count).toBe('1');
    expect(row.address).toMatch(/^web-[a-z0-9]{12}$/);

    // With the panel closed the reply is delivered over the stream and counted on the launcher; opening it reads it.
    await page.keyboard.press('Escape');
    await eventually(() => focusedInWidget(page)).toBe('launcher');
    const firstReply = await team.reply(row.id, 'It ships tomorrow.');
    await eventually(() => team.deliveryStatus(row.id, firstReply)).toBe('delivered');
    await eventually(() => page.locator('.badge').textContent()).toBe('1');
    expect(await launcher.getAttribute('aria-label')).toBe('Open chat, 1 unread');
    await eventually(() => page.locator('[aria-live="polite"]').textContent()).toBe('Zebrafoot Shop: It ships tomorrow.');
    await launcher.click();
    await theirs(page, 'It ships tomorrow.').waitFor();
    await eventually(() => team.deliveryStatus(row.id, firstReply)).toBe('read');
    expect(await page.locator('.badge').isHidden()).toBe(true);

    // The network goes away and the stream with it; two replies are sent meanwhile and show up once each after it returns.
    await context.setOffline(true);
    expect(streams.cut()).toBeGreaterThan(0);
    await page.locator('.status', { hasText: 'Reconnecting' }).waitFor();
    const during = [await team.reply(row.id, 'Tracking: ZB-1042.'), await team.reply(row.id, 'Anything else?')];
    expect(await theirs(page, 'Tracking: ZB-1042.').count()).toBe(0);
    await context.setOffline(false);
    await theirs(page, 'Anything else?').waitFor();
    await page.locator('.status').waitFor({ state: 'hidden' });
    expect(await page.locator('li.theirs .bubble').allTextContents()).toEqual([
      'Zebrafoot Shop: It ships tomorrow.',
      'Zebrafoot Shop: Tracking: ZB-1042.',
      'Zebrafoot Shop: Anything else?',
    ]);
    for (const id of during) await eventually(() => team.deliveryStatus(row.id, id)).toMatch(/^(delivered|read)$/);

    // The server drops the stream with the network up: the browser's own reconnect resumes with Last-Event-ID.
    expect(streams.cut()).toBeGreaterThan(0);
    await team.reply(row.id, 'We are open until 18:00.');
    await theirs(page, 'We are open until 18:00.').waitFor();
    await page.locator('.status').waitFor({ state: 'hidden' });
    expect(await theirs(page, 'We are open until 18:00.').count()).toBe(1);

    // The screenshot the README shows.
    const screenshot = process.env.WIDGET_SCREENSHOT ?? path.join(os.tmpdir(), `widget-${process.pid}.png`);
    await page.screenshot({ path: screenshot });
    expect(fs.statSync(screenshot).size).toBeGreaterThan(10_000);

    // Markup written by either side is text on screen and runs nothing.
    await page.locator('#ft-input').fill('<img src=x onerror="window.__pwned=1">');
    await page.keyboard.press('Enter');
    await team.conversationOf(channel.id, '<img src=x onerror="window.__pwned=1">');
    await team.reply(row.id, '<b>bold?</b><img src=y onerror="window.__pwned=2">');
    await theirs(page, '<b>bold?</b>').waitFor();
    expect(await mine(page, '<img src=x').textContent()).toBe('You: <img src=x onerror="window.__pwned=1">');
    expect(await page.locator('flextell-chat img, flextell-chat b').count()).toBe(0);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();

    // A reload resumes the same visitor (token in localStorage): the history comes back once, nothing twice.
    await page.reload();
    await page.locator('.launcher').click();
    await theirs(page, 'Anything else?').waitFor();
    expect(await page.locator('li.mine .bubble').count()).toBe(2);
    expect(await page.locator('li.theirs .bubble').count()).toBe(5);
    const list = await team.call('GET', '/conversations?per_page=100');
    expect(list.json.data.filter((conversation: any) => conversation.channel.id === channel.id)).toHaveLength(1);

    // Escape closes and gives focus back to the launcher.
    await page.locator('#ft-input').focus();
    await page.keyboard.press('Escape');
    expect(await dialog.isHidden()).toBe(true);
    await eventually(() => focusedInWidget(page)).toBe('launcher');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a failed send with Retry, and the retried message arrives once', async () => {
    const seed = await h.seedTenant();
    const team = new TeamApi(h, base, seed);
    const channel = await team.createWebsiteChannel({});
    const { page, context } = await demoPage(channel.widgetKey);
    await page.locator('.launcher').click();

    await page.route('**/widget/v1/messages', (route) => (route.request().method() === 'POST' ? route.abort('connectionfailed') : route.continue()));
    await page.locator('#ft-input').fill('Is the shop open on Sunday?');
    await page.keyboard.press('Enter');
    const item = page.locator('li.mine.failed');
    await eventually(() => item.locator('.meta').textContent()).toBe('Failed to send. Retry');
    await eventually(() => page.locator('[aria-live="polite"]').textContent()).toContain('not sent');

    // The retry is held in flight long enough to see its "Sending…" state.
    await page.unroute('**/widget/v1/messages');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/widget/v1/messages', async (route) => {
      if (route.request().method() === 'POST') await held;
      await route.continue();
    });
    await item.getByRole('button', { name: 'Retry' }).click();
    await eventually(() => page.locator('li.mine .meta').textContent()).toBe('Sending\u2026');
    expect(await page.locator('li.failed').count()).toBe(0);
    release();
    await eventually(() => page.locator('li.mine').first().getAttribute('data-id')).toMatch(/^\d+$/);
    expect(await page.locator('li.mine').count()).toBe(1);
    expect(await page.locator('li.failed').count()).toBe(0);
    const row = await team.conversationOf(channel.id, 'Is the shop open on Sunday?');
    const messages = await team.call('GET', `/conversations/${row.id}/messages?per_page=100`);
    expect(messages.json.data.filter((message: any) => message.message === 'Is the shop open on Sunday?')).toHaveLength(1);
    await context.close();
  });

  it('shows a blocked visitor nothing different: the quarantined message looks sent, and replies still arrive', async () => {
    const seed = await h.seedTenant();
    const team = new TeamApi(h, base, seed);
    const channel = await team.createWebsiteChannel({});
    const { page, context, problems } = await demoPage(channel.widgetKey);
    await page.locator('.launcher').click();
    await page.locator('#ft-input').fill('Hello?');
    await page.keyboard.press('Enter');
    const row = await team.conversationOf(channel.id, 'Hello?');
    const blocked = await team.call('POST', '/channel-blacklists', { channel_id: channel.id, customer_id: row.customer.id, reason: 'llm_spam' });
    expect(blocked.status, blocked.text).toBe(201);

    await page.locator('#ft-input').fill('Buy cheap followers at spam.example');
    await page.keyboard.press('Enter');
    const quarantined = page.locator('li.mine', { hasText: 'cheap followers' });
    await eventually(() => quarantined.getAttribute('data-id')).toMatch(/^\d+$/);
    expect(await quarantined.locator('.meta').textContent()).not.toMatch(/Sending|Failed/);
    const entry = await team.call('GET', `/channel-blacklists/${blocked.json.data.id}/quarantined-messages`);
    expect(entry.json.data.map((message: { message: string }) => message.message)).toEqual(['Buy cheap followers at spam.example']);
    expect((await team.conversationOf(channel.id, 'Hello?')).unread_count).toBe('1');

    await team.reply(row.id, 'How can we help?');
    await theirs(page, 'How can we help?').waitFor();
    expect(await page.locator('li.mine').count()).toBe(2);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('works embedded on another site listed in allowed_origins, and draws nothing on a site that is not', async () => {
    const seed = await h.seedTenant();
    const team = new TeamApi(h, base, seed);
    const shop = await hostSite();
    try {
      const listed = await team.createWebsiteChannel({ allowed_origins: [shop.origin] });
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${shop.origin}/?key=${listed.widgetKey}`);
      await page.locator('.launcher').click();
      await page.locator('#ft-input').fill('Hi from the shop');
      await page.keyboard.press('Enter');
      const row = await team.conversationOf(listed.id, 'Hi from the shop');
      await team.reply(row.id, 'Hello, shop visitor!');
      await theirs(page, 'Hello, shop visitor!').waitFor();

      const unlisted = await team.createWebsiteChannel({ allowed_origins: ['https://elsewhere.example'] });
      const refused = context.waitForEvent('requestfailed', (request) => request.url().endsWith('/widget/v1/sessions'));
      const other = await context.newPage();
      await other.goto(`${shop.origin}/?key=${unlisted.widgetKey}`);
      await refused;
      expect(await other.locator('.launcher').count()).toBe(0);
      await context.close();
    } finally {
      await shop.close();
    }
  });

  /** A host site on another origin (another port) whose page embeds the script from the widget server. */
  async function hostSite(): Promise<{ origin: string; close(): Promise<void> }> {
    const server = http.createServer((request, response) => {
      const key = new URL(request.url!, 'http://host').searchParams.get('key') ?? '';
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!DOCTYPE html><title>Shop</title><h1>Shop</h1><script src="${base}/widget.js" data-key="${encodeURIComponent(key)}" async></script>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }

  it("keeps its look under a host page's hostile CSS, and its own CSS stays out of the page", async () => {
    const seed = await h.seedTenant();
    const team = new TeamApi(h, base, seed);
    const channel = await team.createWebsiteChannel({ color: '#b91c1c' });
    // The demo page's CSP admits no other style; this page-level test injects the host site's rules anyway.
    const { page, context } = await demoPage(channel.widgetKey, { bypassCSP: true });
    await page.addStyleTag({
      content:
        'flextell-chat,div,button,li{display:none !important;opacity:0 !important} *{color:lime !important;font-size:4px !important} button{background:yellow !important}',
    });
    await page.evaluate(() => document.body.append(Object.assign(document.createElement('button'), { id: 'host-button', textContent: 'host' })));
    const launcher = page.locator('.launcher');
    expect(await launcher.isVisible()).toBe(true);
    expect(await launcher.evaluate((button) => getComputedStyle(button).backgroundColor)).toBe('rgb(185, 28, 28)');
    await launcher.click();
    const greeting = page.locator('li.greeting .bubble');
    expect(await greeting.isVisible()).toBe(true);
    expect(await greeting.evaluate((bubble) => [getComputedStyle(bubble).fontSize, getComputedStyle(bubble).color])).toEqual(['15px', 'rgb(31, 35, 40)']);
    expect(await page.locator('#host-button').evaluate((button) => getComputedStyle(button).backgroundColor)).toBe('rgb(255, 255, 0)');
    await context.close();
  });
});
