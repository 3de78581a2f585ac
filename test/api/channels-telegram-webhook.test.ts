/**
 * The register_telegram_webhook job (docs/channels.md#channel-management), enqueued with a Telegram channel's bot or
 * secret token when PUBLIC_URL is https, and the guarantee that channel secrets appear in no answer and no log line.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { sql } from '../support/factories.js';
import { FakeTelegram } from '../support/fake-telegram.js';
import { buildApp } from '../../src/app.js';
import { createJobWorker } from '../../src/jobs.js';
import { loggerOptions } from '../../src/platform/logger.js';
import { openChannelSecrets } from '../../src/modules/channels/channel-secrets.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
const telegram = new FakeTelegram();
/** The setWebhook requests the fake received, oldest first. */
const setWebhookCalls = () => telegram.calls('telegram:setWebhook') as Array<{ method: string; path: string; body: any }>;
beforeAll(async () => {
  const apiUrl = await telegram.start();
  h = await createHarness({ PUBLIC_URL: 'https://chat.example.com', TELEGRAM_API_URL: apiUrl });
});
afterAll(async () => {
  await h?.close();
  await telegram.stop();
});

let counter = 0;
function botToken(): string {
  counter += 1;
  return `${700000 + counter}${process.pid % 1000}:AAH-secret_${counter}abcdefghijklmnopqrstuvwxyz`;
}

async function webhookJobs(tenantId: number): Promise<number> {
  const rows = await sql(h, "SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND type = 'register_telegram_webhook'", [tenantId]);
  return rows[0]!.n as number;
}

function put(seed: SeedResult, id: number, body: unknown) {
  return h.request({ method: 'PUT', url: `/api/v1/channels/${id}`, token: seed.access_token, tenant: seed.tenant_id, body });
}

describe('register_telegram_webhook', () => {
  it('registers the webhook with the exact setWebhook body after a create, and again only when a token changes', async () => {
    const seed = await h.seedTenant();
    const token = botToken();
    const created = await h.request({
      method: 'POST',
      url: '/api/v1/channels',
      token: seed.access_token,
      tenant: seed.tenant_id,
      body: { type: 'telegram', name: 'Bot', address: '@bot', settings: { bot_token: token } },
    });
    expect(created.status, created.body).toBe(201);
    const id = created.json.data.id;
    expect(created.json.data.webhook_url).toBe(`https://chat.example.com/webhooks/telegram/${id}`);
    expect(await webhookJobs(seed.tenant_id)).toBe(1);
    const calls = setWebhookCalls().length;
    await h.drainJobs();
    expect(setWebhookCalls().length).toBe(calls + 1);
    const [stored] = await sql(h, 'SELECT * FROM channels WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, id]);
    const secretToken = openChannelSecrets(h.deps.box, stored as any).secret_token;
    const call = setWebhookCalls().at(-1)!;
    expect(call.method).toBe('POST');
    expect(call.path).toBe(`/bot${token}/setWebhook`);
    expect(JSON.stringify(call.body)).toBe(
      JSON.stringify({ url: `https://chat.example.com/webhooks/telegram/${id}`, secret_token: secretToken, allowed_updates: ['message', 'edited_message'] }),
    );
    expect(await webhookJobs(seed.tenant_id)).toBe(0);

    // A rename registers nothing; a new secret token does.
    await put(seed, id, { name: 'Renamed bot', settings: { agent_mode: 'copilot' } });
    expect(await webhookJobs(seed.tenant_id)).toBe(0);
    await put(seed, id, { settings: { secret_token: 'fresh_secret-token' } });
    expect(await webhookJobs(seed.tenant_id)).toBe(1);
    await h.drainJobs();
    expect(setWebhookCalls().at(-1)!.body.secret_token).toBe('fresh_secret-token');
  });

  it("never fails the API request: Telegram's refusal fails only the job, which is retried and then parked", async () => {
    const seed = await h.seedTenant();
    telegram.refuse('setWebhook', 400, 'Bad Request: bad webhook: HTTPS url must be provided for webhook');
    try {
      const updated = await put(seed, seed.channels.telegram, { settings: { bot_token: botToken() } });
      expect(updated.status, updated.body).toBe(200);
      for (let attempt = 0; attempt < 3; attempt++) {
        await h.drainJobs();
        h.clock.advance(600);
      }
      const [job] = await sql(h, "SELECT status, last_error FROM jobs WHERE tenant_id = $1 AND type = 'register_telegram_webhook'", [seed.tenant_id]);
      expect(job!.status).toBe('dead');
      expect(job!.last_error).toContain('HTTPS url must be provided');
      expect(job!.last_error).not.toContain('AAH-secret');
    } finally {
      telegram.reset();
    }
  });
});

describe('channel secrets in answers and logs', () => {
  it('appear in no response body and no log line, also for refused requests', async () => {
    let logged = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk);
        done();
      },
    });
    const logger = pino({ ...loggerOptions({ logLevel: 'debug' }) }, sink);
    const app = await buildApp(h.deps, { logger });
    await app.ready();
    try {
      const seed = await h.seedTenant();
      const secrets = {
        access_token: 'EAAB-never-shown-access-token',
        app_secret: 'never-shown-app-secret',
        verify_token: 'never-shown-verify-token',
      };
      const bot = botToken();
      const send = async (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => {
        const response = await app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${seed.access_token}`, 'x-tenant': String(seed.tenant_id), 'content-type': 'application/json' },
          ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
        });
        return response;
      };
      const bodies: string[] = [];
      const created = await send('POST', '/api/v1/channels', {
        type: 'whatsapp',
        name: 'W',
        address: '+1555',
        settings: { phone_number_id: `9${Date.now() % 1e9}`, ...secrets },
      });
      expect(created.statusCode, created.body).toBe(201);
      bodies.push(created.body);
      const id = JSON.parse(created.body).data.id;
      bodies.push((await send('GET', `/api/v1/channels/${id}`)).body);
      bodies.push((await send('GET', '/api/v1/channels')).body);
      bodies.push((await send('PUT', `/api/v1/channels/${id}`, { settings: { access_token: secrets.access_token, app_secret: 'x'.repeat(300) } })).body);
      bodies.push(
        (await send('PUT', `/api/v1/channels/${seed.channels.telegram}`, { settings: { bot_token: bot, secret_token: 'never_shown_secret_token' } })).body,
      );
      bodies.push((await send('POST', '/api/v1/channels', { type: 'telegram', name: 'T', address: 'a', settings: { bot_token: bot } })).body);
      // The webhook jobs run on a worker that logs to the same sink; Telegram refuses, so the failure is logged.
      telegram.refuse('setWebhook', 401, 'Unauthorized');
      const worker = createJobWorker(h.deps, logger, { random: () => 1 });
      try {
        await worker.drain();
      } finally {
        await worker.stop();
        telegram.reset();
      }
      expect(logged).toContain('"status":201');
      expect(logged).toContain('Unauthorized');
      for (const value of [...Object.values(secrets), bot, 'never_shown_secret_token', bot.split(':')[1]!]) {
        expect(logged, value).not.toContain(value);
        for (const body of bodies) expect(body, value).not.toContain(value);
      }
    } finally {
      await app.close();
    }
  });
});
