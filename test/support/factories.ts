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
    case 'users':
      return seed.user_id;
    case 'roles':
      return firstId(h, `SELECT id FROM roles WHERE tenant_id = $1 ORDER BY id LIMIT 1`, [t]);
    case 'applications':
      return firstId(h, 'SELECT id FROM oauth_clients WHERE tenant_id = $1 ORDER BY id LIMIT 1', [t]);
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
