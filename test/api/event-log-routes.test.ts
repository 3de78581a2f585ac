/**
 * Every route of the registry that changes data writes an event (docs/events.md#who-writes-what), walked like the
 * security suite: a write route added to src/routes.ts without an event fails this file, unless the list below says
 * it emits none by design.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { apiRoutes } from '../../src/routes.js';
import { isTokenlessRoute, type AnyRoute } from '../../src/http/define-route.js';
import { SAMPLE_REQUESTS } from '../support/route-samples.js';
import { eventHead, eventsAfter } from '../support/events.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

/** Writes of resources that have no events in this version: users, roles, applications, knowledge articles, tenant settings, webhooks. */
const EMIT_NO_EVENTS = new Set([
  'POST /api/v1/users',
  'PUT /api/v1/users/:id',
  // Writes customer.updated only for customers assigned to the removed member; the sample's has none (users-update.test.ts).
  'DELETE /api/v1/users/:id',
  'PUT /api/v1/users/:id/roles',
  'POST /api/v1/applications',
  'PUT /api/v1/applications/:id',
  'POST /api/v1/applications/:id/secret',
  'DELETE /api/v1/applications/:id',
  'POST /api/v1/knowledge-articles',
  'PUT /api/v1/knowledge-articles/:id',
  'DELETE /api/v1/knowledge-articles/:id',
  'PUT /api/v1/tenant-settings',
  // Webhook endpoints and their deliveries emit no events in this version (docs/webhooks.md).
  'POST /api/v1/webhook-endpoints',
  'PUT /api/v1/webhook-endpoints/:id',
  'DELETE /api/v1/webhook-endpoints/:id',
  'POST /api/v1/webhook-endpoints/:id/secret',
  'POST /api/v1/webhook-endpoints/:id/deliveries/:deliveryId/redeliver',
]);

/** The event types each remaining write route's sample request must write (at least these, in this order). */
const EXPECTED: Record<string, string[]> = {
  'POST /api/v1/conversations': ['customer.created', 'conversation.created'],
  'POST /api/v1/conversations/:id/read': ['conversation.updated'],
  'POST /api/v1/conversations/:id/messages': ['message.created', 'conversation.updated'],
  'POST /api/v1/conversations/:id/messages/media': ['message.created', 'conversation.updated'],
  'PUT /api/v1/conversations/:id/messages/:messageId': ['message.updated'],
  'DELETE /api/v1/conversations/:id/messages/:messageId': ['message.updated'],
  'POST /api/v1/conversations/:id/agent/disable': ['conversation.updated'],
  'POST /api/v1/conversations/:id/agent/enable': ['conversation.updated'],
  'POST /api/v1/conversations/:id/ai-suggestion/send': ['message.created', 'conversation.updated', 'ai_suggestion.updated'],
  'POST /api/v1/customers': ['customer.created'],
  'PUT /api/v1/customers/:id': ['customer.updated'],
  'DELETE /api/v1/customers/:id': ['customer.deleted'],
  'POST /api/v1/channel-blacklists': ['blacklist_entry.created'],
  'PUT /api/v1/channel-blacklists/:id': ['blacklist_entry.updated'],
  'DELETE /api/v1/channel-blacklists/:id': ['blacklist_entry.deleted'],
  'POST /api/v1/channels': ['channel.created'],
  'PUT /api/v1/channels/:id': ['channel.updated'],
};

/** Samples that change nothing as they stand: made to change something first (reading an unread conversation, resuming a paused agent). */
const BEFORE: Record<string, (token: string, url: string, tenantId: number) => Promise<unknown>> = {
  'POST /api/v1/conversations/:id/agent/enable': (token, url, tenant) =>
    h.request({ method: 'POST', url: url.replace('/enable', '/disable'), token, tenant, body: { duration_minutes: 10 } }),
  'POST /api/v1/conversations/:id/read': (_token, url, tenant) =>
    h.deps.db.query('UPDATE conversations SET unread_count = 3 WHERE tenant_id = $1 AND id = $2', [tenant, Number(url.split('/')[4])]),
};

const writeRoutes = (apiRoutes as AnyRoute[]).filter((route) => !isTokenlessRoute(route) && route.method !== 'GET');

describe('every write route of the registry', () => {
  it('is either listed as emitting no events or has its expected events', () => {
    for (const route of writeRoutes) {
      const key = `${route.method} ${route.url}`;
      expect(EMIT_NO_EVENTS.has(key) || key in EXPECTED, `${key}: list its events here (or why it emits none)`).toBe(true);
    }
  });

  for (const route of writeRoutes) {
    const key = `${route.method} ${route.url}`;
    it(`${key} ${EMIT_NO_EVENTS.has(key) ? 'writes no event' : 'writes its events'}`, async () => {
      const seed = await h.seedTenant({ conversations: 8 });
      const sample = await SAMPLE_REQUESTS[key]!(h, seed);
      await BEFORE[key]?.(seed.access_token, sample.url, seed.tenant_id);
      const before = await eventHead(h, seed.tenant_id);
      const response = await h.request({
        method: route.method,
        url: sample.url,
        token: seed.access_token,
        tenant: seed.tenant_id,
        body: sample.body,
        headers: sample.headers,
        payload: sample.payload,
      });
      expect(response.status, response.body).toBeLessThan(300);
      const types = (await eventsAfter(h, seed.tenant_id, before)).map((event) => event.type);
      if (EMIT_NO_EVENTS.has(key)) expect(types).toEqual([]);
      else {
        expect(types.length, `${key} wrote no event`).toBeGreaterThan(0);
        expect(types.filter((type) => EXPECTED[key]!.includes(type))).toEqual(EXPECTED[key]);
      }
    });
  }
});
