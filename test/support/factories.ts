import { expect } from 'vitest';
import type { Harness, TestResponse } from './harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { SCOPES, type Scope } from '../../src/modules/oauth/scopes.js';

/** api.md §7.4: YYYY-MM-DDTHH:MM:SSZ, no fraction. */
export const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export const CONVERSATION_KEYS = [
  'id', 'display_name', 'address', 'last_message_id', 'last_message', 'last_message_at', 'last_message_type',
  'last_message_is_customer', 'unread_count', 'agent_disabled', 'agent_expires_at', 'agent_disabled_by_user_name',
  'customer', 'channel', 'blacklist',
];
export const CONVERSATION_CUSTOMER_KEYS = ['id', 'first_name', 'last_name', 'phone_number', 'avatar_url'];
export const CONVERSATION_CHANNEL_KEYS = ['id', 'name', 'type', 'address'];
export const BLACKLIST_KEYS = [
  'id', 'tenant_id', 'reason', 'reason_label', 'note', 'blocked_at', 'expires_at', 'is_active', 'is_permanent',
  'is_expired', 'remaining_time', 'metadata', 'created_at', 'updated_at', 'deleted_at', 'channel', 'customer',
];
export const PAGINATOR_KEYS = ['data', 'links', 'meta'];
export const LINKS_KEYS = ['first', 'last', 'prev', 'next'];
export const META_KEYS = ['current_page', 'from', 'last_page', 'links', 'path', 'per_page', 'to', 'total'];

/** The API's timestamp text of a Date (whole seconds, literal Z). */
export function apiTime(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().slice(0, 19) + 'Z';
}

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

/** A paginator body's structure (laravel-pagination.md §1). */
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

export function jwtPayload(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

export function jwtHeader(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
}

let userCounter = 0;

/** A user account without memberships. */
export async function createUser(h: Harness, name = 'Test User'): Promise<number> {
  userCounter += 1;
  const email = `user.${Date.now()}.${process.pid}.${userCounter}@factory.test`;
  const now = h.clock.now();
  const result = await h.deps.db.query<{ id: number }>(
    'INSERT INTO users (name, email, password_hash, created_at, updated_at) VALUES ($1, $2, NULL, $3, $3) RETURNING id',
    [name, email, now],
  );
  return Number(result.rows[0]!.id);
}

export async function roleId(h: Harness, tenantId: number, name: string): Promise<number> {
  const result = await h.deps.db.query<{ id: number }>('SELECT id FROM roles WHERE tenant_id = $1 AND name = $2', [tenantId, name]);
  if (!result.rows[0]) throw new Error(`No role ${name} in tenant ${tenantId}`);
  return Number(result.rows[0].id);
}

/** A custom (non-system) role holding exactly these permissions. */
export async function createRole(h: Harness, tenantId: number, name: string, permissions: string[]): Promise<number> {
  const now = h.clock.now();
  const role = await h.deps.db.query<{ id: number }>(
    'INSERT INTO roles (tenant_id, name, is_system, created_at, updated_at) VALUES ($1, $2, false, $3, $3) RETURNING id',
    [tenantId, name, now],
  );
  const id = Number(role.rows[0]!.id);
  if (permissions.length > 0) {
    await h.deps.db.query(
      `INSERT INTO role_permissions (tenant_id, role_id, permission_id)
       SELECT $1, $2, id FROM permissions WHERE name = ANY($3::text[])`,
      [tenantId, id, permissions],
    );
  }
  return id;
}

/** A membership of userId in tenantId with these roles (by name or id). */
export async function addMembership(
  h: Harness,
  tenantId: number,
  userId: number,
  roles: Array<string | number>,
  options: { isActive?: boolean } = {},
): Promise<void> {
  const now = h.clock.now();
  await h.deps.db.query(
    'INSERT INTO memberships (tenant_id, user_id, is_active, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)',
    [tenantId, userId, options.isActive ?? true, now],
  );
  for (const role of roles) {
    const id = typeof role === 'number' ? role : await roleId(h, tenantId, role);
    await h.deps.db.query('INSERT INTO membership_roles (tenant_id, user_id, role_id) VALUES ($1, $2, $3)', [tenantId, userId, id]);
  }
}

export interface BlacklistInput {
  tenantId: number;
  channelId: number;
  customerId: number;
  reason?: string;
  note?: string | null;
  blockedAt?: Date;
  expiresAt?: Date | null;
  isActive?: boolean;
  deletedAt?: Date | null;
  metadata?: Record<string, unknown>;
}

/** A channel_blacklists row, written directly. */
export async function insertBlacklist(h: Harness, input: BlacklistInput): Promise<number> {
  const now = h.clock.now();
  const result = await h.deps.db.query<{ id: number }>(
    `INSERT INTO channel_blacklists (tenant_id, channel_id, customer_id, reason, note, blocked_at, expires_at, is_active,
                                     metadata, deleted_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $6, $6) RETURNING id`,
    [
      input.tenantId, input.channelId, input.customerId, input.reason ?? 'manual', input.note ?? null, input.blockedAt ?? now,
      input.expiresAt === undefined ? null : input.expiresAt, input.isActive ?? true, JSON.stringify(input.metadata ?? {}),
      input.deletedAt ?? null,
    ],
  );
  return Number(result.rows[0]!.id);
}

/** POST /api/v1/conversations with the seed's owner token. */
export function postConversation(h: Harness, seed: SeedResult, body: unknown, token = seed.access_token): Promise<TestResponse> {
  return h.request({ method: 'POST', url: '/api/v1/conversations', token, body });
}

/** GET /api/v1/conversations (+ query) with the seed's owner token. */
export function listConversations(h: Harness, seed: SeedResult, query = '', headers?: Record<string, string>): Promise<TestResponse> {
  return h.request({ url: `/api/v1/conversations${query}`, token: seed.access_token, headers });
}

/** Every conversation of the tenant as the API lists them (all pages of 100). */
export async function allConversations(h: Harness, seed: SeedResult, query = ''): Promise<any[]> {
  const rows: any[] = [];
  for (let page = 1; ; page++) {
    const separator = query === '' ? '?' : `${query}&`;
    const response = await listConversations(h, seed, `${separator}per_page=100&page=${page}`);
    expect(response.status, response.body).toBe(200);
    rows.push(...response.json.data);
    if (page >= response.json.meta.last_page) return rows;
  }
}

/** Runs an SQL statement and returns its rows. */
export async function sql<Row = Record<string, any>>(h: Harness, text: string, params: unknown[] = []): Promise<Row[]> {
  const result = await h.deps.db.query<Row>(text, params);
  return result.rows;
}

/**
 * A concrete URL for a registry route: each `:param` becomes a real id of the seed's tenant (or "1" for a resource
 * this helper does not know yet, which still exercises every check that runs before path resources, api.md §3).
 */
export async function concreteUrl(h: Harness, seed: SeedResult, url: string): Promise<string> {
  const segments = url.split('/');
  const resolved: string[] = [];
  let conversationId: number | null = null;
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index]!;
    if (!segment.startsWith(':')) {
      resolved.push(segment);
      continue;
    }
    const resource = segments[index - 1] ?? '';
    const id = await realId(h, seed, resource, segment.slice(1), conversationId);
    if (resource === 'conversations') conversationId = id;
    resolved.push(String(id ?? 1));
  }
  return resolved.join('/');
}

async function firstId(h: Harness, text: string, params: unknown[]): Promise<number | null> {
  const rows = await sql<{ id: number }>(h, text, params);
  return rows[0] ? Number(rows[0].id) : null;
}

async function realId(h: Harness, seed: SeedResult, resource: string, param: string, conversationId: number | null): Promise<number | null> {
  const t = seed.tenant_id;
  switch (resource) {
    case 'conversations':
      return firstId(h, 'SELECT id FROM conversations WHERE tenant_id = $1 ORDER BY id LIMIT 1', [t]);
    case 'messages':
      return firstId(h, 'SELECT id FROM messages WHERE tenant_id = $1 AND ($2::bigint IS NULL OR conversation_id = $2) ORDER BY id LIMIT 1', [t, conversationId]);
    case 'channels':
      return seed.channels.whatsapp;
    case 'customers':
      return firstId(h, 'SELECT id FROM customers WHERE tenant_id = $1 ORDER BY id LIMIT 1', [t]);
    case 'users': {
      // Not the seed's Owner: Owner protection (api-directory.md §2.2) would refuse a non-Owner caller with 403.
      const member = await createUser(h, 'Listed Agent');
      await addMembership(h, seed.tenant_id, member, ['Agent']);
      return member;
    }
    case 'roles':
      return firstId(h, `SELECT id FROM roles WHERE tenant_id = $1 ORDER BY id LIMIT 1`, [t]);
    case 'applications':
      // A fresh application: deleting the seed's own Demo App would revoke the very token making the call.
      return firstId(h, `INSERT INTO oauth_clients (tenant_id, client_id, name, confidential) VALUES ($1, gen_random_uuid(), 'Security probe', true) RETURNING id`, [t]);
    case 'channel-blacklists': {
      const customer = await firstId(h, 'SELECT id FROM customers WHERE tenant_id = $1 ORDER BY id LIMIT 1', [t]);
      return customer === null ? null : insertBlacklist(h, { tenantId: t, channelId: seed.channels.whatsapp, customerId: customer });
    }
    case 'knowledge-articles':
      return firstId(h, `INSERT INTO knowledge_articles (tenant_id, title, body) VALUES ($1, 'Returns', 'Within 30 days.') RETURNING id`, [t]);
    case 'agent-runs': {
      if (conversationId === null) conversationId = await firstId(h, 'SELECT id FROM conversations WHERE tenant_id = $1 ORDER BY id LIMIT 1', [t]);
      return conversationId === null ? null : firstId(h, `INSERT INTO agent_runs (tenant_id, conversation_id, mode) VALUES ($1, $2, 'copilot') RETURNING id`, [t, conversationId]);
    }
    default:
      void param;
      return null;
  }
}

/** A client-credentials access token of the seed's "Demo App" (an application principal bound to its tenant). */
export async function applicationToken(h: Harness, seed: SeedResult, scopes: readonly Scope[] = SCOPES): Promise<string> {
  const minted = await h.deps.tokens.mint({
    userId: null,
    clientId: seed.client_id,
    tenantId: seed.tenant_id,
    scopes,
    lifetimeSeconds: 3600,
    issuer: 'http://localhost:8080',
  });
  return minted.token;
}

// ---------------------------------------------------------------------------------------------------------------
// Messages, agent pause and AI suggestions (api-conversations.md §1.3–§1.8).

export const MESSAGE_KEYS = [
  'id', 'conversation_id', 'user_id', 'user_name', 'is_customer', 'message_type', 'message', 'quoted_text', 'is_deleted',
  'is_edited', 'edited_by_user_name', 'deleted_by_user_name', 'read_at', 'metadata', 'created_at', 'file', 'file_temporary_url',
];
export const METADATA_KEYS = [
  'source', 'provider', 'provider_message_id', 'provider_timestamp', 'quoted_message_id', 'delivery_status', 'failure_reason',
  'delivery_updated_at',
];
export const SEND_RESULT_KEYS = ['status', 'message_id', 'conversation_id'];
export const AGENT_STATUS_KEYS = ['agent_disabled', 'agent_expires_at', 'agent_disabled_by_user_name', 'remaining_minutes'];
export const SUGGESTION_KEYS = [
  'id', 'conversation_id', 'original_text', 'final_text', 'status', 'rating', 'pending_actions', 'trigger_chat_log_ids',
  'has_new_messages', 'sent_at', 'created_at', 'updated_at',
];
export const NOT_FOUND_CONVERSATION = { error: 'not_found', message: 'Conversation not found.' };
export const NOT_FOUND_MESSAGE = { error: 'not_found', message: 'Message not found.' };

/** The first listed (newest) conversation of the seed on a channel type. */
export async function conversationOn(h: Harness, seed: SeedResult, type: 'whatsapp' | 'instagram' | 'website' | 'telegram'): Promise<any> {
  const response = await listConversations(h, seed, `?channel_type=${type}`);
  expect(response.status, response.body).toBe(200);
  expect(response.json.data.length, `a ${type} conversation exists`).toBeGreaterThan(0);
  return response.json.data[0];
}

/** GET /api/v1/conversations/{id} → data (asserts 200). */
export async function getConversation(h: Harness, token: string, id: number): Promise<any> {
  const response = await h.request({ url: `/api/v1/conversations/${id}`, token });
  expect(response.status, response.body).toBe(200);
  return response.json.data;
}

/** GET /api/v1/conversations/{id}/messages (+ query). */
export function listMessages(h: Harness, token: string, id: number, query = ''): Promise<TestResponse> {
  return h.request({ url: `/api/v1/conversations/${id}/messages${query}`, token });
}

/** Every message of a conversation, newest first, as the API lists them (asserts 200 on each page). */
export async function allMessages(h: Harness, token: string, id: number): Promise<any[]> {
  const rows: any[] = [];
  for (let page = 1; ; page++) {
    const response = await listMessages(h, token, id, `?per_page=100&page=${page}`);
    expect(response.status, response.body).toBe(200);
    rows.push(...response.json.data);
    if (page >= response.json.meta.last_page) return rows;
  }
}

/** One listed message of a conversation by id. */
export async function listedMessage(h: Harness, token: string, conversationId: number, messageId: number): Promise<any> {
  const row = (await allMessages(h, token, conversationId)).find((message) => message.id === messageId);
  expect(row, `message ${messageId} is listed`).toBeDefined();
  return row;
}

/** POST /api/v1/conversations/{id}/messages. */
export function sendText(h: Harness, token: string, id: number, body: unknown): Promise<TestResponse> {
  return h.request({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, token, body });
}

/** Sends a text and returns the new message id (asserts 200). */
export async function sentMessageId(h: Harness, token: string, id: number, text: string): Promise<number> {
  const response = await sendText(h, token, id, { message: text });
  expect(response.status, response.body).toBe(200);
  return Number(response.json.data.message_id);
}

export interface InsertedMessage {
  isCustomer?: boolean;
  text?: string | null;
  messageType?: string;
  source?: string;
  at?: Date;
  /** Keep the conversation's counters and preview as inbound ingestion would (default true). */
  bump?: boolean;
}

/**
 * A messages row written directly (an inbound customer message by default, at the clock's now), with the
 * conversation's message_count, unread_count and last_message_* kept as the server keeps them.
 */
export async function insertMessage(h: Harness, tenantId: number, conversationId: number, input: InsertedMessage = {}): Promise<number> {
  const at = input.at ?? h.clock.now();
  const isCustomer = input.isCustomer ?? true;
  const [conversation] = await sql(h, 'SELECT channel_id, channel_type FROM conversations WHERE tenant_id = $1 AND id = $2', [tenantId, conversationId]);
  const text = input.text === undefined ? 'hi' : input.text;
  const [row] = await sql<{ id: number }>(
    h,
    `INSERT INTO messages (tenant_id, conversation_id, channel_id, is_customer, message_type, message, source, provider, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
    [tenantId, conversationId, conversation!.channel_id, isCustomer, input.messageType ?? 'text', text,
      input.source ?? (isCustomer ? 'customer' : 'user'), conversation!.channel_type, at],
  );
  const id = Number(row!.id);
  if (input.bump ?? true) {
    // The newest message is the one with the latest created_at, then the largest id (this id is the largest).
    await sql(
      h,
      `UPDATE conversations SET message_count = message_count + 1, unread_count = unread_count + $4::int,
              last_message_id = CASE WHEN newer THEN $3 ELSE last_message_id END,
              last_message = CASE WHEN newer THEN $5 ELSE last_message END,
              last_message_at = CASE WHEN newer THEN $6 ELSE last_message_at END,
              last_message_type = CASE WHEN newer THEN $7 ELSE last_message_type END,
              last_message_is_customer = CASE WHEN newer THEN $8 ELSE last_message_is_customer END
         FROM (SELECT (last_message_at IS NULL OR last_message_at <= $6::timestamptz) AS newer FROM conversations
                WHERE tenant_id = $1 AND id = $2) AS n
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, conversationId, id, isCustomer ? 1 : 0, text, at, input.messageType ?? 'text', isCustomer],
    );
  }
  return id;
}

/** conversations.message_count and the number of message rows of a conversation. */
export async function messageCounts(h: Harness, tenantId: number, conversationId: number): Promise<{ counter: number; rows: number }> {
  const [row] = await sql(
    h,
    `SELECT c.message_count AS counter, (SELECT count(*)::int FROM messages m WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id) AS rows
       FROM conversations c WHERE c.tenant_id = $1 AND c.id = $2`,
    [tenantId, conversationId],
  );
  return { counter: Number(row!.counter), rows: Number(row!.rows) };
}

/** A member of the seed's tenant holding exactly these permissions (a custom role), with a personal token. */
export async function memberWith(h: Harness, seed: SeedResult, name: string, permissions: string[]): Promise<{ userId: number; token: string }> {
  const userId = await createUser(h, name);
  const role = await createRole(h, seed.tenant_id, `${name} role ${userId}`, permissions);
  await addMembership(h, seed.tenant_id, userId, [role]);
  return { userId, token: await h.token(userId) };
}

/** A member of the seed's tenant with a system role (Owner, Admin, Agent, Viewer), with a personal token. */
export async function memberAs(h: Harness, seed: SeedResult, name: string, role: string): Promise<{ userId: number; token: string }> {
  const userId = await createUser(h, name);
  await addMembership(h, seed.tenant_id, userId, [role]);
  return { userId, token: await h.token(userId) };
}

/** Sets keys of a channel's settings (e.g. agent_mode). */
export async function setChannelSettings(h: Harness, tenantId: number, channelId: number, settings: Record<string, unknown>): Promise<void> {
  await sql(h, 'UPDATE channels SET settings = settings || $3::jsonb WHERE tenant_id = $1 AND id = $2', [tenantId, channelId, JSON.stringify(settings)]);
}

/** The seeded Owner's name. */
export async function userName(h: Harness, userId: number): Promise<string> {
  const [row] = await sql(h, 'SELECT name FROM users WHERE id = $1', [userId]);
  return row!.name as string;
}

/** Everything a rejected send must leave as it was (api-conversations.md §3.8: nothing stored on any 4xx). */
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

/** POST /api/v1/conversations on the seed's channel of this type; returns the new conversation's id (asserts 201). */
export async function newConversation(h: Harness, seed: SeedResult, type: 'whatsapp' | 'instagram' | 'website' | 'telegram', address: string): Promise<number> {
  const response = await postConversation(h, seed, { channel_id: seed.channels[type], address });
  expect(response.status, response.body).toBe(201);
  return response.json.data.id;
}

/** [agent_disabled, agent_expires_at, agent_disabled_by_user_name, remaining_minutes] */
export type AgentState = [boolean, string | null, string | null, string | null];
export const NOT_PAUSED: AgentState = [false, null, null, null];

/** GET …/agent answers exactly this status, and the conversation resource (GET one and its list item) agrees (§1.6). */
export async function expectAgent(h: Harness, seed: SeedResult, conversationId: number, expected: AgentState): Promise<void> {
  const response = await h.request({ url: `/api/v1/conversations/${conversationId}/agent`, token: seed.access_token });
  expect(response.status, response.body).toBe(200);
  const data = Object.fromEntries(AGENT_STATUS_KEYS.map((key, index) => [key, expected[index]]));
  expectExactJson(response.json, { success: 'Agent status retrieved successfully.', data });
  const conversation = await getConversation(h, seed.access_token, conversationId);
  expect([conversation.agent_disabled, conversation.agent_expires_at, conversation.agent_disabled_by_user_name]).toEqual(expected.slice(0, 3));
  expectExactJson((await allConversations(h, seed)).find((row) => row.id === conversationId), conversation);
}

/** The seed's tenant setting agent.handoff_pause_minutes (product.md §9), written directly. */
export async function setHandoffMinutes(h: Harness, tenantId: number, minutes: number): Promise<void> {
  await sql(h, `UPDATE tenants SET settings = jsonb_set(COALESCE(settings, '{}'::jsonb), '{agent}', COALESCE(settings->'agent', '{}'::jsonb) || $2::jsonb) WHERE id = $1`,
    [tenantId, JSON.stringify({ handoff_pause_minutes: minutes })]);
}

/**
 * A pending AI draft made with the agent's own service (api-conversations.md §5), answering the conversation's
 * customer messages; returns its id and the trigger ids ascending.
 */
export async function createDraft(h: Harness, seed: SeedResult, conversationId: number, text: string, pendingActions: Array<{ type: string } & Record<string, unknown>> = []) {
  const { createSuggestion } = await import('../../src/modules/suggestions/suggestion.service.js');
  const triggers = (await allMessages(h, seed.access_token, conversationId)).filter((row) => row.is_customer).map((row) => row.id as number);
  const id = await h.deps.db.transaction((tx) =>
    createSuggestion(tx, seed.tenant_id, conversationId, { originalText: text, triggerMessageIds: triggers, pendingActions }, h.clock.now()));
  return { id: Number(id), triggers: [...triggers].sort((a, b) => a - b) };
}

/** The stored state of an AI suggestion. */
export async function suggestionRow(h: Harness, seed: SeedResult, id: number): Promise<Record<string, any>> {
  const [row] = await sql(h, 'SELECT status, final_text, sent_at FROM ai_suggestions WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, id]);
  return row!;
}
