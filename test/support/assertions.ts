/** Assertions on API answers: exact JSON with key order, paginators, error envelopes, the agent status. */
import { expect } from 'vitest';
import type { Harness, TestResponse } from './harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { AGENT_STATUS_KEYS, LINKS_KEYS, META_KEYS, PAGINATOR_KEYS, type AgentState } from './shapes.js';
import { allConversations, getConversation, listMessages } from './requests.js';
import { messageCounts, sql } from './factories.js';

/** Checks Object.keys at every nesting level against an expected value (toEqual ignores key order). */
export function expectSameKeyOrder(actual: unknown, expected: unknown, where = '$'): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), where).toBe(true);
    expect((actual as unknown[]).length, where).toBe(expected.length);
    expected.forEach((item, index) => expectSameKeyOrder((actual as unknown[])[index], item, `${where}[${index}]`));
  } else if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object', where).toBe(true);
    expect(Object.keys(actual as object), where).toEqual(Object.keys(expected));
    for (const [key, value] of Object.entries(expected)) {
      expectSameKeyOrder((actual as Record<string, unknown>)[key], value, `${where}.${key}`);
    }
  }
}

/** Deep equality plus key order at every level. */
export function expectExactJson(actual: unknown, expected: unknown): void {
  expect(actual).toEqual(expected);
  expectSameKeyOrder(actual, expected);
}

/** A paginator body's structure (docs/pagination.md#the-response-body). */
export function expectPaginatorShape(body: any): void {
  expect(Object.keys(body)).toEqual(PAGINATOR_KEYS);
  expect(Object.keys(body.links)).toEqual(LINKS_KEYS);
  expect(Object.keys(body.meta)).toEqual(META_KEYS);
  for (const link of body.meta.links) expect(Object.keys(link)).toEqual(['url', 'label', 'active']);
}

/** A 422 body, exactly: keys error, message, errors in this order. */
export function expectValidationError(response: TestResponse, errors: Record<string, string[]>): void {
  expect(response.status, response.body).toBe(422);
  const expected = { error: 'validation_error', message: Object.values(errors)[0]![0], errors };
  expectExactJson(response.json, expected);
}

export function expectError(response: TestResponse, status: number, error: string, message?: string): void {
  expect(response.status, response.body).toBe(status);
  expect(Object.keys(response.json), response.body).toEqual(['error', 'message']);
  expect(response.json.error).toBe(error);
  if (message !== undefined) expect(response.json.message).toBe(message);
}

/** Everything a rejected send must leave as it was (docs/domain-rules.md#conversations: nothing stored on any 4xx). */
export async function sendSnapshot(h: Harness, seed: SeedResult, conversationId: number) {
  const list = await listMessages(h, seed.access_token, conversationId);
  const [jobs] = await sql(h, 'SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1', [seed.tenant_id]);
  return {
    total: list.json.meta.total,
    counts: await messageCounts(h, seed.tenant_id, conversationId),
    conversation: await getConversation(h, seed.access_token, conversationId),
    jobs: Number(jobs!.n),
  };
}

/** GET …/agent answers exactly this status, and the conversation resource (GET one and its list item) agrees (docs/domain-rules.md#ai-agent-pause). */
export async function expectAgent(h: Harness, seed: SeedResult, conversationId: number, expected: AgentState): Promise<void> {
  const response = await h.request({ url: `/api/v1/conversations/${conversationId}/agent`, token: seed.access_token });
  expect(response.status, response.body).toBe(200);
  const data = Object.fromEntries(AGENT_STATUS_KEYS.map((key, index) => [key, expected[index]]));
  expectExactJson(response.json, { success: 'Agent status retrieved successfully.', data });
  const conversation = await getConversation(h, seed.access_token, conversationId);
  expect([conversation.agent_disabled, conversation.agent_expires_at, conversation.agent_disabled_by_user_name]).toEqual(expected.slice(0, 3));
  expectExactJson(
    (await allConversations(h, seed)).find((row) => row.id === conversationId),
    conversation,
  );
}
