import { expect } from 'vitest';
import type { Harness, TestResponse } from './harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { recordEvents } from '../../src/modules/events/event-recorder.js';
import { readEventHead } from '../../src/modules/events/event-log.repository.js';
import { SYSTEM_ACTOR } from '../../src/modules/events/event-types.js';

/** Outbound webhook suites' shared steps (docs/webhooks.md): endpoints over the API and events in the tenant's log. */

let resourceId = 0;

/** Appends `count` channel.updated events (each its own resource) in one transaction; returns their ids. */
export async function emitEvents(h: Harness, tenantId: number, count = 1): Promise<number[]> {
  const before = (await readEventHead(h.deps.db, tenantId)).lastId;
  await h.deps.db.transaction(async (tx) => {
    for (let i = 0; i < count; i++) {
      resourceId += 1;
      recordEvents(tx, tenantId, SYSTEM_ACTOR, h.clock.now(), {
        kind: 'channel',
        id: resourceId,
        change: 'updated',
        data: { id: resourceId, name: `Channel ${resourceId}` },
      });
    }
  });
  const after = (await readEventHead(h.deps.db, tenantId)).lastId;
  return Array.from({ length: after - before }, (_, index) => before + index + 1);
}

export function callApi(h: Harness, seed: SeedResult, method: string, url: string, body?: unknown): Promise<TestResponse> {
  return h.request({ method, url, token: seed.access_token, tenant: seed.tenant_id, ...(body === undefined ? {} : { body }) });
}

export async function createEndpoint(h: Harness, seed: SeedResult, body: Record<string, unknown>): Promise<{ id: number; secret: string }> {
  const response = await callApi(h, seed, 'POST', '/api/v1/webhook-endpoints', { event_types: ['channel.updated'], ...body });
  expect(response.status, response.body).toBe(201);
  return response.json.data;
}

export async function deliveries(h: Harness, seed: SeedResult, endpointId: number, query = ''): Promise<any[]> {
  const response = await callApi(h, seed, 'GET', `/api/v1/webhook-endpoints/${endpointId}/deliveries${query}`);
  expect(response.status, response.body).toBe(200);
  return response.json.data;
}
