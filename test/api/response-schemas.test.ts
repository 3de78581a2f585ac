/**
 * Every route of the registry (src/routes.ts) declares its answer once, as `responseSchema` built from the
 * module's `*.resource.ts`, and real answers keep to it: each route's sample request (test/support/route-samples.ts)
 * is sent as the tenant's Owner, must answer the documented status, and its JSON body is checked against the schema
 * recursively, types, nulls, required keys, unknown keys and key order included (test/support/schema-check.ts).
 * File downloads declare a binary body. The OpenAPI document carries each schema under the route's success status.
 * A route added without a responseSchema or a sample fails this file, and so does a nullable field that no answer
 * here ever fills (unless NEVER_FILLED says why), since its non-null type would then go unchecked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type TestResponse } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { apiRoutes } from '../../src/routes.js';
import { isTokenlessRoute, type AnyRoute } from '../../src/http/define-route.js';
import { sql } from '../support/factories.js';
import { conversationOn, sentMessageId } from '../support/requests.js';
import { SAMPLE_REQUESTS, type SampleRequest } from '../support/route-samples.js';
import { nullableSchemas, schemaErrors, type Reached } from '../support/schema-check.js';

let h: Harness;
let seed: SeedResult;
let storageDir: string;

const routes = apiRoutes as AnyRoute[];
const routeKey = (route: AnyRoute) => `${route.method} ${route.url}`;
const routeOf = (key: string) => routes.find((route) => routeKey(route) === key)!;
const binarySchema = (schema: Record<string, unknown>) => 'content' in schema;
/** The nullable schemas some checked answer filled with a value. */
const reached: Reached = new Set();

/** Nullable fields no answer can fill yet, `route path` as the coverage test names them, each with the reason. */
const NEVER_FILLED: Record<string, string> = {
  'GET /api/v1/conversations $.data[].blacklist.deleted_at': 'a removed entry is never answered',
  'GET /api/v1/conversations/:id/messages $.data[].file.description': 'no route sets a file description yet',
  'GET /api/v1/conversations/:id/messages $.data[].file.group_id': 'no route groups files yet',
  'GET /api/v1/conversations/:id/messages $.data[].file.deleted_at': "a message's file is not deleted on its own",
  'GET /api/v1/conversations/:id/ai-suggestion $.data.final_text': 'only a pending draft is answered, and it is not sent yet',
  'GET /api/v1/conversations/:id/ai-suggestion $.data.rating': 'only a pending draft is answered; no route rates drafts yet',
  'GET /api/v1/conversations/:id/ai-suggestion $.data.sent_at': 'only a pending draft is answered, and it is not sent yet',
  'GET /api/v1/customers $.data[].deleted_at': 'a deleted customer is never answered',
  'GET /api/v1/users $.data[].deleted_at': 'a removed member is never answered',
};

/** Sends a request as a route's sample would be sent and checks the answer; returns it for follow-up requests. */
async function sendChecked(key: string, sample: SampleRequest): Promise<TestResponse> {
  const route = routeOf(key);
  expect(route.responseSchema, `${key} declares no responseSchema`).toBeDefined();
  const credentials = isTokenlessRoute(route) ? {} : { token: seed.access_token, tenant: seed.tenant_id };
  const response = await h.request({
    ...credentials,
    method: route.method,
    url: sample.url,
    body: sample.body,
    headers: sample.headers,
    payload: sample.payload,
  });
  // The documented status is the one answered (a handler may choose another only in cases the samples avoid).
  expect(response.status, `${key}: ${response.body.slice(0, 300)}`).toBe(route.successStatus ?? 200);
  const schema = route.responseSchema;
  if (binarySchema(schema)) {
    expect(response.headers['content-type']).not.toMatch(/json/);
    expect(response.body.length).toBeGreaterThan(0);
    return response;
  }
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(schemaErrors(response.json, schema, reached), `${key}: ${response.body.slice(0, 600)}`).toEqual([]);
  // An empty list would check nothing of its items.
  if (Array.isArray(response.json.data)) expect(response.json.data.length, `${key}: items to check`).toBeGreaterThan(0);
  return response;
}

/**
 * Rows that make the answers carry what a fresh demo tenant lacks, so the schemas are checked against values rather
 * than nulls: a customer and a member with every optional field filled, a blocked customer with an email (a
 * conversation's `blacklist`), a quoted, an edited-then-deleted and a file message with a thumbnail, a paused agent
 * on the conversation the samples use, a tenant logo, and a second page of a list. Their answers are checked too.
 */
async function fillTenant(): Promise<void> {
  const telegram = await conversationOn(h, seed, 'telegram');
  const whatsapp = await conversationOn(h, seed, 'whatsapp');
  await sql(h, "UPDATE tenants SET logo_url = 'https://cdn.example.test/logo.png' WHERE id = $1", [seed.tenant_id]);
  await sql(h, "UPDATE customers SET avatar_url = 'https://cdn.example.test/a.png', email = 'blocked@example.test' WHERE tenant_id = $1 AND id = $2", [
    seed.tenant_id,
    whatsapp.customer.id,
  ]);
  await sendChecked('POST /api/v1/channel-blacklists', {
    url: '/api/v1/channel-blacklists',
    body: { channel_id: seed.channels.whatsapp, customer_id: whatsapp.customer.id, reason: 'manual', ttl_seconds: 7200, note: 'Schema check' },
  });

  const member = await sendChecked('POST /api/v1/users', {
    url: '/api/v1/users',
    body: {
      name: 'Filled Member',
      email: `filled-${process.pid}@example.test`,
      password: 'correct horse',
      password_confirmation: 'correct horse',
      phone: '+905551112299',
      title: 'Lead',
      emergency_contact_name: 'Ada',
      emergency_contact_surname: 'Byron',
      emergency_contact_phone_number: '+905551112298',
      blood_group: 'A+',
      language: ['English'],
      avatar_url: 'https://cdn.example.test/m.png',
      bio: 'Fills every field.',
    },
  });
  const memberId = member.json.data.id as number;
  await sql(h, "UPDATE users SET last_login_at = now(), last_login_ip = '203.0.113.9' WHERE id = $1", [memberId]);
  await sendChecked('GET /api/v1/users/:id', { url: `/api/v1/users/${memberId}` });
  const customer = await sendChecked('POST /api/v1/customers', {
    url: '/api/v1/customers',
    body: {
      first_name: 'Sample',
      last_name: 'Filled',
      phone_number: '+905551112233',
      email: 'sample.filled@example.test',
      date_of_birth: '1990-05-17',
      gender: 'female',
      country_id: 792,
      identity_number: '10000000146',
      job: 'Pilot',
      address: 'Kadıköy',
      default_channel_id: seed.channels.telegram,
      user_id: memberId,
    },
  });
  await sql(h, "UPDATE customers SET avatar_url = 'https://cdn.example.test/c.png' WHERE tenant_id = $1 AND id = $2", [seed.tenant_id, customer.json.data.id]);
  await sendChecked('GET /api/v1/customers/:id', { url: `/api/v1/customers/${customer.json.data.id}` });

  const quoted = await sentMessageId(h, seed.access_token, telegram.id, 'Quoted later');
  await sendChecked('POST /api/v1/conversations/:id/messages', {
    url: `/api/v1/conversations/${telegram.id}/messages`,
    body: { message: 'Quoting', quoted_message_id: quoted },
  });
  const gone = await sentMessageId(h, seed.access_token, telegram.id, 'Edited, then deleted');
  const goneUrl = `/api/v1/conversations/${telegram.id}/messages/${gone}`;
  await sendChecked('PUT /api/v1/conversations/:id/messages/:messageId', { url: goneUrl, body: { message: 'Edited' } });
  await sendChecked('DELETE /api/v1/conversations/:id/messages/:messageId', { url: goneUrl });
  await sendChecked('GET /api/v1/files/:id/thumbnail', await SAMPLE_REQUESTS['GET /api/v1/files/:id/thumbnail']!(h, seed));
  await sendChecked('POST /api/v1/conversations/:id/agent/disable', {
    url: `/api/v1/conversations/${telegram.id}/agent/disable`,
    body: { duration_minutes: 90 },
  });
  await sendChecked('GET /api/v1/conversations', { url: '/api/v1/conversations?per_page=1&page=2' });
}

beforeAll(async () => {
  storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-schemas-'));
  h = await createHarness({ FLEXTELL_STORAGE_DIR: storageDir });
  seed = await h.seedTenant({ conversations: 8 });
  await fillTenant();
});
afterAll(async () => {
  await h?.close();
  if (storageDir) fs.rmSync(storageDir, { recursive: true, force: true });
});

describe('response bodies against the declared responseSchema', () => {
  for (const route of routes) {
    const key = routeKey(route);
    it(`${key} answers what it declares`, async () => {
      expect(route.responseSchema, `${key} declares no responseSchema`).toBeDefined();
      expect(SAMPLE_REQUESTS[key], `no sample request for ${key} in test/support/route-samples.ts`).toBeDefined();
      await sendChecked(key, await SAMPLE_REQUESTS[key]!(h, seed));
    });
  }

  it('met a value in every nullable field, except those no answer can fill yet', () => {
    const everywhere = new Map<unknown, string>();
    for (const route of routes) {
      for (const [schema, at] of nullableSchemas(route.responseSchema)) if (!everywhere.has(schema)) everywhere.set(schema, `${routeKey(route)} ${at}`);
    }
    const neverFilled = [...everywhere].filter(([schema]) => !reached.has(schema as Record<string, unknown>)).map(([, name]) => name);
    expect(neverFilled.sort()).toEqual(Object.keys(NEVER_FILLED).sort());
  });
});

describe('the OpenAPI document', () => {
  it("carries each route's response schema under its success status, properties in the same order", async () => {
    const response = await h.request({ url: '/api/openapi.json' });
    expect(response.status).toBe(200);
    for (const route of routes) {
      const key = routeKey(route);
      const operation = response.json.paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
      const documented = operation?.responses?.[String(route.successStatus ?? 200)];
      expect(documented, `${key}: no documented success response`).toBeDefined();
      const declared = route.responseSchema;
      if (binarySchema(declared)) {
        // Raw bytes or an event stream: documented under its own media type, as declared.
        expect(documented.content, key).toEqual((declared as { content: unknown }).content);
        continue;
      }
      const schema = documented.content['application/json'].schema;
      expect(Object.keys(schema.properties), key).toEqual(Object.keys(declared.properties as object));
      expect(schema.required, key).toEqual(declared.required);
    }
  });
});
