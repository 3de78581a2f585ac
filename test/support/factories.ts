/** Rows written straight to the database: users, roles, memberships, blacklist entries, messages, drafts, tokens. */
import type { Harness } from './harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { SCOPES, type Scope } from '../../src/modules/oauth/scopes.js';
import { allMessages } from './requests.js';

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
  await h.deps.db.query('INSERT INTO memberships (tenant_id, user_id, is_active, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)', [
    tenantId,
    userId,
    options.isActive ?? true,
    now,
  ]);
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
      input.tenantId,
      input.channelId,
      input.customerId,
      input.reason ?? 'manual',
      input.note ?? null,
      input.blockedAt ?? now,
      input.expiresAt === undefined ? null : input.expiresAt,
      input.isActive ?? true,
      JSON.stringify(input.metadata ?? {}),
      input.deletedAt ?? null,
    ],
  );
  return Number(result.rows[0]!.id);
}

/** Runs an SQL statement and returns its rows. */
export async function sql<Row = Record<string, any>>(h: Harness, text: string, params: unknown[] = []): Promise<Row[]> {
  const result = await h.deps.db.query<Row>(text, params);
  return result.rows;
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
    [
      tenantId,
      conversationId,
      conversation!.channel_id,
      isCustomer,
      input.messageType ?? 'text',
      text,
      input.source ?? (isCustomer ? 'customer' : 'user'),
      conversation!.channel_type,
      at,
    ],
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

/** The seed's tenant setting agent.handoff_pause_minutes (docs/tenancy-and-data.md#tenant-settings), written directly. */
export async function setHandoffMinutes(h: Harness, tenantId: number, minutes: number): Promise<void> {
  await sql(
    h,
    `UPDATE tenants SET settings = jsonb_set(COALESCE(settings, '{}'::jsonb), '{agent}', COALESCE(settings->'agent', '{}'::jsonb) || $2::jsonb) WHERE id = $1`,
    [tenantId, JSON.stringify({ handoff_pause_minutes: minutes })],
  );
}

/**
 * A pending AI draft made with the agent's own service (docs/domain-rules.md#ai-suggestions), answering the conversation's
 * customer messages; returns its id and the trigger ids ascending.
 */
export async function createDraft(
  h: Harness,
  seed: SeedResult,
  conversationId: number,
  text: string,
  pendingActions: Array<{ type: string } & Record<string, unknown>> = [],
) {
  const { createSuggestion } = await import('../../src/modules/suggestions/suggestion.service.js');
  const triggers = (await allMessages(h, seed.access_token, conversationId)).filter((row) => row.is_customer).map((row) => row.id as number);
  const id = await h.deps.db.transaction((tx) =>
    createSuggestion(tx, seed.tenant_id, conversationId, { originalText: text, triggerMessageIds: triggers, pendingActions }, h.clock.now()),
  );
  return { id: Number(id), triggers: [...triggers].sort((a, b) => a - b) };
}

/** The stored state of an AI suggestion. */
export async function suggestionRow(h: Harness, seed: SeedResult, id: number): Promise<Record<string, any>> {
  const [row] = await sql(h, 'SELECT status, final_text, sent_at FROM ai_suggestions WHERE tenant_id = $1 AND id = $2', [seed.tenant_id, id]);
  return row!;
}
