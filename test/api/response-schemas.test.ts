/**
 * Every route of the registry (src/routes.ts) declares its answer once, as `responseSchema` built from the
 * module's `*.resource.ts`, and real answers keep to it: each route's sample request (test/support/route-samples.ts)
 * is sent as the tenant's Owner and its 2xx JSON body checked against the schema recursively, types, nulls,
 * required keys, unknown keys and key order included (test/support/schema-check.ts). File downloads declare a binary
 * body. The OpenAPI document carries each schema under the route's success status. A route added without a
 * responseSchema or a sample fails this file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { apiRoutes } from '../../src/routes.js';
import type { AnyRoute } from '../../src/http/define-route.js';
import { conversationOn } from '../support/factories.js';
import { SAMPLE_REQUESTS } from '../support/route-samples.js';
import { schemaErrors } from '../support/schema-check.js';

let h: Harness;
let seed: SeedResult;
let storageDir: string;

const routes = apiRoutes as AnyRoute[];
const routeKey = (route: AnyRoute) => `${route.method} ${route.url}`;
const isTokenless = (route: AnyRoute) => route.permission === 'none' && Array.isArray(route.scopes) && route.scopes.length === 0;
const binarySchema = (schema: Record<string, unknown>) => 'content' in schema;

/**
 * Rows that make the answers carry what an empty demo tenant lacks, so more of each schema is checked against
 * values rather than nulls or empty lists: a blocked customer (a conversation's `blacklist`), a customer matching
 * the customers sample's search with its optional fields filled, a message with a file and a thumbnail, and a
 * paused agent on the conversation the samples use.
 */
async function fillTenant(): Promise<void> {
  const asOwner = { token: seed.access_token, tenant: seed.tenant_id };
  const whatsapp = await conversationOn(h, seed, 'whatsapp');
  const blocked = await h.request({
    ...asOwner, method: 'POST', url: '/api/v1/channel-blacklists',
    body: { channel_id: seed.channels.whatsapp, customer_id: whatsapp.customer.id, reason: 'manual', ttl_seconds: 7200, note: 'Schema check' },
  });
  expect(blocked.status, blocked.body).toBe(201);
  const customer = await h.request({
    ...asOwner, method: 'POST', url: '/api/v1/customers',
    body: { first_name: 'Sample', last_name: 'Filled', email: 'sample.filled@example.test', date_of_birth: '1990-05-17', gender: 'female', country_id: 792, job: 'Pilot' },
  });
  expect(customer.status, customer.body).toBe(201);
  await SAMPLE_REQUESTS['GET /api/v1/files/:id/thumbnail']!(h, seed);
  const telegram = await conversationOn(h, seed, 'telegram');
  const paused = await h.request({ ...asOwner, method: 'POST', url: `/api/v1/conversations/${telegram.id}/agent/disable`, body: { duration_minutes: 90 } });
  expect(paused.status, paused.body).toBe(200);
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
      const sample = await SAMPLE_REQUESTS[key]!(h, seed);
      const credentials = isTokenless(route) ? {} : { token: seed.access_token, tenant: seed.tenant_id };
      const response = await h.request({
        ...credentials, method: route.method, url: sample.url, body: sample.body, headers: sample.headers, payload: sample.payload,
      });
      expect(response.status, response.body.slice(0, 300)).toBeGreaterThanOrEqual(200);
      expect(response.status, response.body.slice(0, 300)).toBeLessThan(300);
      const schema = route.responseSchema!;
      if (binarySchema(schema)) {
        expect(response.headers['content-type']).not.toMatch(/json/);
        expect(response.body.length).toBeGreaterThan(0);
        return;
      }
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(schemaErrors(response.json, schema), response.body.slice(0, 600)).toEqual([]);
      // An empty list would check nothing of its items.
      if (Array.isArray(response.json.data)) expect(response.json.data.length, 'items to check').toBeGreaterThan(0);
    });
  }
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
      const declared = route.responseSchema ?? {};
      if (binarySchema(declared)) {
        expect(documented.content['application/octet-stream'].schema, key).toEqual({ type: 'string', format: 'binary' });
        continue;
      }
      const schema = documented.content['application/json'].schema;
      expect(Object.keys(schema.properties), key).toEqual(Object.keys(declared.properties as object));
      expect(schema.required, key).toEqual(declared.required);
    }
  });
});
