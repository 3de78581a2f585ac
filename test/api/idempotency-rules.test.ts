/**
 * Idempotency-Key rules (docs/idempotency.md): malformed keys, which answers are stored and which release the key,
 * a 5xx retried, the 24-hour lifetime and its cleanup job, bodies sealed at rest.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { expectError, expectValidationError } from '../support/assertions.js';
import { memberAs, messageCounts, sql } from '../support/factories.js';
import { newConversation } from '../support/requests.js';
import { keyed, keyRows } from '../support/idempotency.js';
import { enqueueRecurringJob } from '../../src/platform/jobs/job-queue.js';
import { IDEMPOTENCY_CLEANUP_JOB } from '../../src/modules/idempotency/idempotency-cleanup.job.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const newKey = () => crypto.randomUUID();
const KEY_MESSAGE = 'The Idempotency-Key header must be 1 to 255 printable ASCII characters.';

async function customerCount(tenantId: number, firstName: string): Promise<number> {
  const rows = await sql(h, 'SELECT count(*)::int AS n FROM customers WHERE tenant_id = $1 AND first_name = $2', [tenantId, firstName]);
  return rows[0]!.n;
}

describe('the key', () => {
  it.each([
    ['256 characters', 'k'.repeat(256)],
    ['a non-ASCII character', 'clé'],
    ['DEL', 'a\x7fb'],
    ['an unterminated quoted string', '"abc'],
    ['text after the closing quote', '"abc"d'],
    ['an escape other than \\" and \\\\', '"a\\nb"'],
    ['an empty quoted string', '""'],
    ['a quote inside an unquoted-looking string', '"a"b"'],
  ])('%s is 400 invalid_request and nothing runs', async (_name, value) => {
    const seed = await h.seedTenant();
    const response = await keyed(h, value, { url: '/api/v1/customers', token: seed.access_token, body: { first_name: 'Malformed' } });
    expectError(response, 400, 'invalid_request', KEY_MESSAGE);
    expect(await customerCount(seed.tenant_id, 'Malformed')).toBe(0);
    expect(await keyRows(h, seed.tenant_id)).toEqual([]);
  });

  it('a repeated header is 400', async () => {
    const seed = await h.seedTenant();
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: { authorization: `Bearer ${seed.access_token}`, 'content-type': 'application/json', 'idempotency-key': ['one', 'two'] },
      payload: JSON.stringify({ first_name: 'Twice' }),
    });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).message).toBe(KEY_MESSAGE);
  });

  it('is trimmed, and a quoted string is the same key as its content; an empty value counts as absent', async () => {
    const seed = await h.seedTenant();
    const body = { first_name: 'Quoted' };
    const first = await keyed(h, '  8e03978e-"x\\y  ', { url: '/api/v1/customers', token: seed.access_token, body });
    expect(first.status).toBe(201);
    const quoted = await keyed(h, '"8e03978e-\\"x\\\\y"', { url: '/api/v1/customers', token: seed.access_token, body });
    expect(quoted.headers['idempotent-replayed']).toBe('true');
    expect(quoted.body).toBe(first.body);
    expect((await keyRows(h, seed.tenant_id)).map((row) => row.idempotency_key)).toEqual(['8e03978e-"x\\y']);
    // Keys are compared exactly: another case is another key.
    expect((await keyed(h, '8E03978E-"x\\y', { url: '/api/v1/customers', token: seed.access_token, body })).status).toBe(201);
    const empty = await keyed(h, '   ', { url: '/api/v1/customers', token: seed.access_token, body });
    expect(empty.status).toBe(201);
    expect(await customerCount(seed.tenant_id, 'Quoted')).toBe(3);
    expect(await keyRows(h, seed.tenant_id)).toHaveLength(2);
  });

  it('is ignored on other methods', async () => {
    const seed = await h.seedTenant();
    const response = await h.request({ url: '/api/v1/customers', token: seed.access_token, headers: { 'idempotency-key': 'k'.repeat(300) } });
    expect(response.status).toBe(200);
  });
});

describe('what is stored', () => {
  it('a key on a request answered 401 or 403 is not looked at: nothing stored, the key stays free', async () => {
    const seed = await h.seedTenant();
    const key = newKey();
    const body = { first_name: 'Refused' };
    expectError(await keyed(h, key, { url: '/api/v1/customers', token: 'not-a-token', body }), 401, 'invalid_token');
    expectError(await keyed(h, key, { url: '/api/v1/customers', token: null, body }), 401, 'unauthorized');
    const viewer = await memberAs(h, seed, 'Viewer With Key', 'Viewer');
    expectError(await keyed(h, key, { url: '/api/v1/customers', token: viewer.token, tenant: seed.tenant_id, body }), 403, 'forbidden');
    // A malformed key is not even read on a refused request.
    expectError(await keyed(h, '"bad', { url: '/api/v1/customers', token: viewer.token, tenant: seed.tenant_id, body }), 403, 'forbidden');
    expect(await keyRows(h, seed.tenant_id)).toEqual([]);
    expect((await keyed(h, key, { url: '/api/v1/customers', token: seed.access_token, body })).status).toBe(201);
  });

  it('a replay counts for the rate limit; a key on a request answered 429 is not looked at', async () => {
    const limited = await createHarness({ FLEXTELL_RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const seed = await limited.seedTenant();
      const key = newKey();
      const send = (body: unknown) => keyed(limited, key, { url: '/api/v1/customers', token: seed.access_token, body });
      expect((await send({ first_name: 'Limited' })).status).toBe(201);
      const replay = await send({ first_name: 'Limited' });
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.headers['x-ratelimit-remaining']).toBe('0');
      const refused = await send({ first_name: 'Limited' });
      expectError(refused, 429, 'rate_limit_exceeded');
      expect(refused.headers['idempotent-replayed']).toBeUndefined();
      const otherKey = await keyed(limited, newKey(), { url: '/api/v1/customers', token: seed.access_token, body: { first_name: 'Limited' } });
      expectError(otherKey, 429, 'rate_limit_exceeded');
      expect(await keyRows(limited, seed.tenant_id)).toHaveLength(1);
    } finally {
      await limited.close();
    }
  });

  it('a 422 validation error and a 404 path id release the key; the corrected request runs', async () => {
    const seed = await h.seedTenant();
    const conversation = await newConversation(h, seed, 'website', 'visitor-validation');
    const key = newKey();
    const url = `/api/v1/conversations/${conversation}/messages`;
    expectValidationError(await keyed(h, key, { url, token: seed.access_token, body: { message: '   ' } }), { message: ['The message field is required.'] });
    expect(await keyRows(h, seed.tenant_id)).toEqual([]);
    expectError(await keyed(h, key, { url: '/api/v1/conversations/999999999/messages', token: seed.access_token, body: { message: 'x' } }), 404, 'not_found');
    expect(await keyRows(h, seed.tenant_id)).toEqual([]);
    const sent = await keyed(h, key, { url, token: seed.access_token, body: { message: 'corrected' } });
    expect(sent.status, sent.body).toBe(200);
    expect(sent.headers['idempotent-replayed']).toBeUndefined();
  });

  it('a refusal of the service (step 10) is stored and replayed like a success', async () => {
    const seed = await h.seedTenant();
    const conversation = await newConversation(h, seed, 'whatsapp', '+4915112345678');
    const key = newKey();
    const url = `/api/v1/conversations/${conversation}/messages`;
    const first = await keyed(h, key, { url, token: seed.access_token, body: { message: 'window closed' } });
    expect(first.status).toBe(422);
    expect(first.json.error).toBe('reply_window_closed');
    const again = await keyed(h, key, { url, token: seed.access_token, body: { message: 'window closed' } });
    expect(again.status).toBe(422);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await messageCounts(h, seed.tenant_id, conversation)).toEqual({ counter: 0, rows: 0 });
  });

  it('a 5xx rolls back and releases the key: a retry with it runs again', async () => {
    const seed = await h.seedTenant();
    const conversation = await newConversation(h, seed, 'website', 'visitor-failure');
    const key = newKey();
    const url = `/api/v1/conversations/${conversation}/messages`;
    // A real database failure in the middle of the send: the message insert raises.
    const trigger = `idempotency_fail_${seed.tenant_id}`;
    await h.deps.db.query(`CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$`);
    await h.deps.db.query(
      `CREATE TRIGGER ${trigger} BEFORE INSERT ON messages FOR EACH ROW WHEN (NEW.tenant_id = ${seed.tenant_id}) EXECUTE FUNCTION ${trigger}()`,
    );
    try {
      const failed = await keyed(h, key, { url, token: seed.access_token, body: { message: 'retry me' } });
      expect(failed.status).toBe(500);
      expect(await keyRows(h, seed.tenant_id)).toEqual([]);
    } finally {
      await h.deps.db.query(`DROP TRIGGER ${trigger} ON messages`);
      await h.deps.db.query(`DROP FUNCTION ${trigger}()`);
    }
    const retried = await keyed(h, key, { url, token: seed.access_token, body: { message: 'retry me' } });
    expect(retried.status, retried.body).toBe(200);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(await messageCounts(h, seed.tenant_id, conversation)).toEqual({ counter: 1, rows: 1 });
  });
});

describe('lifetime and storage', () => {
  it('a key is kept 24 hours on the clock, then free; the cleanup job deletes it', async () => {
    const seed = await h.seedTenant();
    const key = newKey();
    expect((await keyed(h, key, { url: '/api/v1/customers', token: seed.access_token, body: { first_name: 'Day one' } })).status).toBe(201);
    h.clock.advance(24 * 3600 - 1);
    expect((await keyed(h, key, { url: '/api/v1/customers', token: seed.access_token, body: { first_name: 'Day two' } })).status).toBe(422);
    h.clock.advance(1);
    const later = await keyed(h, key, { url: '/api/v1/customers', token: seed.access_token, body: { first_name: 'Day two' } });
    expect(later.status).toBe(201);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(await customerCount(seed.tenant_id, 'Day two')).toBe(1);

    h.clock.advance(24 * 3600);
    expect(await enqueueRecurringJob(h.deps.db, IDEMPOTENCY_CLEANUP_JOB, h.clock.now())).toBe(true);
    await h.drainJobs();
    expect(await keyRows(h, seed.tenant_id)).toEqual([]);
  });

  it('stored bodies are sealed: no plaintext in the table, bound to their row', async () => {
    const seed = await h.seedTenant();
    const key = newKey();
    const response = await keyed(h, key, {
      url: '/api/v1/customers',
      token: seed.access_token,
      body: { first_name: 'Secretive', email: 'sealed@example.com' },
    });
    expect(response.status).toBe(201);
    const [row] = await keyRows(h, seed.tenant_id);
    expect(row!.body).toMatch(/^v1\./);
    expect(row!.body).not.toContain('Secretive');
    expect(row!.body).not.toContain('sealed@example.com');
    expect(JSON.stringify(row)).not.toContain(Buffer.from('Secretive').toString('base64').slice(0, 8));
    expect(h.deps.box.decrypt(row!.body, `idempotency:${seed.tenant_id}:${row!.id}`)).toBe(response.body);
    expect(() => h.deps.box.decrypt(row!.body, `idempotency:${seed.tenant_id}:${row!.id + 1}`)).toThrow();
  });
});

describe('documentation', () => {
  it('the OpenAPI document describes Idempotency-Key on every POST under /api/v1, and on nothing else', async () => {
    const document = (await h.request({ url: '/api/openapi.json' })).json;
    let posts = 0;
    for (const [path, operations] of Object.entries<Record<string, any>>(document.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [method, operation] of Object.entries<any>(operations)) {
        const header = (operation.parameters ?? []).find((parameter: any) => parameter.in === 'header' && parameter.name === 'Idempotency-Key');
        expect(Boolean(header), `${method} ${path}`).toBe(method === 'post');
        if (method === 'post') posts++;
      }
    }
    expect(posts).toBeGreaterThan(10);
  });
});
