/**
 * `flextell telegram set-webhook --channel ID [--url BASE]` (docs/channels.md#channel-management) against a fake Bot
 * API on 127.0.0.1: the exact setWebhook request, Telegram's description printed, exit 1 when it says no.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, CLI } from '../support/processes.js';
import { FakeTelegram } from '../support/fake-telegram.js';
import { createDeps, openDatabase } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { findChannel } from '../../src/modules/channels/channel.repository.js';
import { openChannelSecrets } from '../../src/modules/channels/channel-secrets.js';
import { updateChannel } from '../../src/modules/channels/channel.service.js';

const telegram = new FakeTelegram();
/** The setWebhook requests the fake received, oldest first. */
const setWebhookCalls = () => telegram.calls('telegram:setWebhook') as Array<{ method: string; path: string; body: any }>;
let apiUrl = '';
let dataDir = '';
let seed: { tenant_id: number; channels: { whatsapp: number; instagram: number; website: number; telegram: number } };
const BOT_TOKEN = '123456789:AAHcli-test_token_abcdefghijklmnopqrstuvwxyz';

/** Runs the CLI without blocking this process, so the fake Bot API in it can answer. */
function run(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', FLEXTELL_DATA_DIR: dataDir, TELEGRAM_API_URL: apiUrl, PUBLIC_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Gives the seeded Telegram channel a bot token through the service, as `PUT /api/v1/channels/{id}` would. */
async function storeBotToken(): Promise<string> {
  const config = loadConfig({ FLEXTELL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const db = await openDatabase(config);
  try {
    const deps = await createDeps(config, db);
    try {
      const channel = (await findChannel(db, seed.tenant_id, seed.channels.telegram))!;
      await updateChannel(deps, seed.tenant_id, channel, { settings: { bot_token: BOT_TOKEN, secret_token: 'cli_secret-token' } }, new Date());
      return openChannelSecrets(deps.box, (await findChannel(db, seed.tenant_id, seed.channels.telegram))!).secret_token!;
    } finally {
      await deps.limiter.close();
    }
  } finally {
    await db.close();
  }
}

beforeAll(async () => {
  buildCli();
  apiUrl = await telegram.start();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-telegram-cli-'));
  const seeded = await run(['seed', '--json', '--conversations', '0']);
  expect(seeded.status, seeded.stderr).toBe(0);
  seed = JSON.parse(seeded.stdout.trim().split('\n').pop()!);
}, 180_000);

afterAll(async () => {
  await telegram.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('flextell telegram set-webhook', () => {
  it('refuses bad usage with exit 2 and one line on stderr', async () => {
    for (const args of [
      ['telegram'],
      ['telegram', 'set-webhook'],
      ['telegram', 'set-webhook', '--channel', 'abc'],
      ['telegram', 'set-webhook', '--channel', '1', '--url', 'ftp://example.com'],
      ['telegram', 'set-webhook', '--channel', '1'],
      ['telegram', 'set-webhook', '--channel', '1', '--bogus', 'x'],
    ]) {
      const result = await run(args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('exits 1 for an unknown channel, a channel of another type, and a bot without a token', async () => {
    const unknown = await run(['telegram', 'set-webhook', '--channel', '999999999', '--url', 'https://chat.example.com']);
    expect([unknown.status, unknown.stderr.trim()]).toEqual([1, 'Channel 999999999 not found.']);
    const website = await run(['telegram', 'set-webhook', '--channel', String(seed.channels.website), '--url', 'https://chat.example.com']);
    expect([website.status, website.stderr.trim()]).toEqual([1, `Channel ${seed.channels.website} is not a Telegram channel.`]);
    const calls = setWebhookCalls().length;
    const tokenless = await run(['telegram', 'set-webhook', '--channel', String(seed.channels.telegram), '--url', 'https://chat.example.com']);
    expect([tokenless.status, tokenless.stderr.trim()]).toEqual([1, `Channel ${seed.channels.telegram} has no bot token.`]);
    expect(setWebhookCalls().length).toBe(calls);
  });

  it("calls setWebhook with the exact body, prints Telegram's description, and exits 1 with it when ok is false", async () => {
    const secretToken = await storeBotToken();
    const id = seed.channels.telegram;
    const done = await run(['telegram', 'set-webhook', '--channel', String(id), '--url', 'https://chat.example.com/']);
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toBe('Webhook was set\n');
    const call = setWebhookCalls().at(-1)!;
    expect([call.method, call.path]).toEqual(['POST', `/bot${BOT_TOKEN}/setWebhook`]);
    expect(JSON.stringify(call.body)).toBe(
      JSON.stringify({ url: `https://chat.example.com/webhooks/telegram/${id}`, secret_token: secretToken, allowed_updates: ['message', 'edited_message'] }),
    );

    // Without --url, PUBLIC_URL is the base.
    const fromEnv = await run(['telegram', 'set-webhook', '--channel', String(id)], { PUBLIC_URL: 'https://public.example.com' });
    expect(fromEnv.status, fromEnv.stderr).toBe(0);
    expect(setWebhookCalls().at(-1)!.body.url).toBe(`https://public.example.com/webhooks/telegram/${id}`);

    telegram.refuse('setWebhook', 400, 'Bad Request: bad webhook: HTTPS url must be provided for webhook');
    try {
      const refused = await run(['telegram', 'set-webhook', '--channel', String(id), '--url', 'http://chat.example.com']);
      expect(refused.status).toBe(1);
      expect(refused.stderr.trim()).toBe('Bad Request: bad webhook: HTTPS url must be provided for webhook');
      expect(refused.stderr + refused.stdout).not.toContain(BOT_TOKEN);
    } finally {
      telegram.reset();
    }
  });
});
