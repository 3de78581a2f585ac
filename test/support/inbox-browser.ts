import fs from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createHarness, type Harness } from './harness.js';
import { FakeTelegram } from './fake-telegram.js';
import { listen } from './oauth-browser.js';
import { telegramTextUpdate, telegramWebhookRequest, uniqueDigits } from './webhooks.js';
import { ensureInboxBuilt } from './inbox.js';
import { CHROMIUM } from './chromium.js';
import { trackStreams } from './widget-browser.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

/** The inbox browser tests' world: a real server whose Telegram adapter talks to a fake Bot API, and Chromium. */
export interface InboxWorld {
  h: Harness;
  base: string;
  telegram: FakeTelegram;
  browser: Browser;
  close(): Promise<void>;
}

export async function startInboxWorld(): Promise<InboxWorld> {
  ensureInboxBuilt();
  const telegram = new FakeTelegram();
  await telegram.start();
  const h = await createHarness({ TELEGRAM_API_URL: telegram.url });
  const base = await listen(h);
  // Root in a container: Chromium's sandbox needs user namespaces it may not get.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  return {
    h,
    base,
    telegram,
    browser,
    async close() {
      await browser.close();
      await h.close();
      await telegram.stop();
    },
  };
}

export async function teamApi(world: InboxWorld, seed: SeedResult, method: string, path: string, body?: unknown): Promise<any> {
  const headers: Record<string, string> = { authorization: `Bearer ${seed.access_token}`, 'x-tenant': String(seed.tenant_id) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${world.base}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  expect(response.ok, text).toBe(true);
  return text ? JSON.parse(text) : undefined;
}

/**
 * A Telegram channel in copilot mode whose bot is the fake Bot API, and a customer ("Mehmet Kaya") who wrote to it
 * through the signed webhook: the conversation the tests work in. Answers its id and the bot token.
 */
export async function telegramConversation(
  world: InboxWorld,
  seed: SeedResult,
  text: string,
): Promise<{ conversationId: number; botToken: string; channelId: number; chatId: number }> {
  const botToken = `${uniqueDigits(10)}:AAH${'x'.repeat(32)}`;
  const created = await teamApi(world, seed, 'POST', '/channels', {
    type: 'telegram',
    name: 'Zebrafoot bot',
    address: '@zebrafoot_bot',
    settings: { bot_token: botToken, secret_token: 'tg_secret-value', agent_mode: 'copilot' },
  });
  const channelId = Number(created.data.id);
  const chatId = Number(uniqueDigits(9));
  const request = telegramWebhookRequest(channelId, telegramTextUpdate(Number(uniqueDigits(9)), text, chatId), 'tg_secret-value');
  const answer = await fetch(`${world.base}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
  expect(answer.status).toBe(200);
  await world.h.drainJobs();
  const list = await teamApi(world, seed, 'GET', '/conversations?per_page=100');
  const row = list.data.find((conversation: any) => conversation.channel.id === channelId);
  expect(row?.last_message).toBe(text);
  return { conversationId: Number(row.id), botToken, channelId, chatId };
}

/** The texts the fake Bot API received for this bot, after running due jobs (deliveries). */
export async function botReceived(world: InboxWorld, botToken: string): Promise<string[]> {
  await world.h.drainJobs();
  return world.telegram
    .calls('telegram:sendMessage')
    .filter((call) => call.path === `/bot${botToken}/sendMessage`)
    .map((call) => String((call.body as { text?: unknown }).text));
}

/** Opens the inbox, signs in on the server's login page, and waits for the list. */
export async function signIn(page: Page, base: string, seed: Pick<SeedResult, 'email' | 'password' | 'tenant_id'>): Promise<void> {
  await page.goto(`${base}/app`);
  await page.waitForURL(/\/oauth\/login/);
  await page.getByRole('textbox', { name: 'Email' }).fill(seed.email);
  await page.getByLabel('Password').fill(seed.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(new RegExp(`/app/t/${seed.tenant_id}$`));
  await expect.poll(() => page.getByRole('list', { name: 'Conversations' }).getByRole('listitem').count(), { timeout: 15_000 }).toBeGreaterThan(0);
}

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is: the violations of impact serious or critical. The
 * script is evaluated through the DevTools protocol, which the page's CSP does not govern.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: unknown) => Promise<{ violations: any[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${violation.id}: ${violation.nodes.map((node: any) => node.target.join(' ')).join(', ')}`);
  });
}

/** Collects the page's Content-Security-Policy violations (none is expected). */
export function cspViolations(page: Page): string[] {
  const found: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) found.push(message.text());
  });
  return found;
}

/** The sockets of the open event streams on the test server, so a test can cut them as a network loss would. */
export function trackEventStreams(world: InboxWorld): { cut(): number } {
  return trackStreams(world.h, '/api/v1/events');
}

/** A customer's Telegram message through the signed webhook, processed (jobs run). */
export async function customerWrites(world: InboxWorld, channelId: number, chatId: number, text: string): Promise<void> {
  const update = telegramTextUpdate(Number(uniqueDigits(9)), text, chatId) as { message: { message_id: number } };
  // Each message its own Telegram id: the same id again would be the same message, stored once.
  update.message.message_id = Number(uniqueDigits(8));
  const request = telegramWebhookRequest(channelId, update, 'tg_secret-value');
  const answer = await fetch(`${world.base}${request.path}`, { method: request.method, headers: request.headers, body: request.body });
  expect(answer.status).toBe(200);
  await world.h.drainJobs();
}
