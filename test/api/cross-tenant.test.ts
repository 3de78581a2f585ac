/**
 * Tenancy for every route with an id in its path (README "API conventions"): a row of another tenant is simply not
 * found. Each route's sample request is built in tenant B and sent with tenant A's Owner token and X-Tenant: it must
 * answer 404 not_found; the same request then succeeds in B, which also shows the refused one changed nothing there.
 * A route added to src/routes.ts with a path id is covered here as soon as it has a sample request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, type TestResponse } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { apiRoutes } from '../../src/routes.js';
import { isTokenlessRoute, type AnyRoute } from '../../src/http/define-route.js';
import { expectError } from '../support/assertions.js';
import { conversationOn, sentMessageId } from '../support/requests.js';
import { SAMPLE_REQUESTS, type SampleRequest } from '../support/route-samples.js';

let h: Harness;
let mine: SeedResult;
let theirs: SeedResult;
beforeAll(async () => {
  h = await createHarness();
  mine = await h.seedTenant({ conversations: 8 });
  theirs = await h.seedTenant({ conversations: 8 });
});
afterAll(async () => h?.close());

const routesWithIds = (apiRoutes as AnyRoute[]).filter((route) => route.url.includes('/:') && !isTokenlessRoute(route));

function send(route: AnyRoute, sample: SampleRequest, as: SeedResult): Promise<TestResponse> {
  return h.request({
    method: route.method,
    url: sample.url,
    token: as.access_token,
    tenant: as.tenant_id,
    body: sample.body,
    headers: sample.headers,
    payload: sample.payload,
  });
}

describe.each(routesWithIds.map((route) => [`${route.method} ${route.url}`, route] as const))('%s', (key, route) => {
  it("answers 404 not_found for another tenant's ids, which stay untouched", async () => {
    expect(SAMPLE_REQUESTS[key], `no sample request for ${key} in test/support/route-samples.ts`).toBeDefined();
    const sample = await SAMPLE_REQUESTS[key]!(h, theirs);
    expectError(await send(route, sample, mine), 404, 'not_found');
    const own = await send(route, sample, theirs);
    expect(own.status, `${key} in its own tenant: ${own.body.slice(0, 300)}`).toBeGreaterThanOrEqual(200);
    expect(own.status, `${key} in its own tenant: ${own.body.slice(0, 300)}`).toBeLessThan(300);
  });
});

describe("ids nested under one of the tenant's own", () => {
  it("another tenant's message under the tenant's own conversation is not found, for edit and delete", async () => {
    const ownConversation = (await conversationOn(h, mine, 'telegram')).id as number;
    const theirConversation = (await conversationOn(h, theirs, 'telegram')).id as number;
    const theirMessage = await sentMessageId(h, theirs.access_token, theirConversation, 'Not yours');
    const url = `/api/v1/conversations/${ownConversation}/messages/${theirMessage}`;
    expectError(await h.request({ method: 'PUT', url, token: mine.access_token, tenant: mine.tenant_id, body: { message: 'Edited' } }), 404, 'not_found');
    expectError(await h.request({ method: 'DELETE', url, token: mine.access_token, tenant: mine.tenant_id }), 404, 'not_found');
    const page = await h.request({ url: `/api/v1/conversations/${theirConversation}/messages`, token: theirs.access_token, tenant: theirs.tenant_id });
    expect(page.json.data.find((message: { id: number; message: string }) => message.id === theirMessage)?.message).toBe('Not yours');
  });
});
