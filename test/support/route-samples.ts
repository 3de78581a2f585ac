import type { Harness } from './harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import type { Scope } from '../../src/modules/oauth/scopes.js';
import { conversationOn, listedMessage, postConversation, sentMessageId } from './requests.js';
import { addMembership, createDraft, createUser, insertMessage, roleId, sql } from './factories.js';
import { multipartBody, PNG_BYTES } from './multipart.js';

/**
 * docs/request-checks.md#the-permission-matrix, the endpoint index, as data: `METHOD /path` → permission and scopes (any one suffices).
 * It lists endpoints not built yet too; the matrix test checks every registered route against it.
 */
export const SPEC_MATRIX: Record<string, { permission: string; scopes: readonly Scope[] | 'full-access' }> = {
  'GET /api/v1/conversations': { permission: 'conversations.view', scopes: ['conversations:read'] },
  'POST /api/v1/conversations': { permission: 'conversations.reply', scopes: ['conversations:write'] },
  'GET /api/v1/conversations/:id': { permission: 'conversations.view', scopes: ['conversations:read'] },
  'POST /api/v1/conversations/:id/read': { permission: 'conversations.reply', scopes: ['conversations:write'] },
  'GET /api/v1/conversations/:id/messages': { permission: 'conversations.view', scopes: ['conversations:read'] },
  'POST /api/v1/conversations/:id/messages': { permission: 'conversations.reply', scopes: ['conversations:write'] },
  'POST /api/v1/conversations/:id/messages/media': { permission: 'conversations.reply', scopes: ['conversations:write'] },
  'PUT /api/v1/conversations/:id/messages/:messageId': { permission: 'conversations.reply', scopes: ['conversations:write'] },
  'DELETE /api/v1/conversations/:id/messages/:messageId': { permission: 'conversations.reply', scopes: ['conversations:write'] },
  'GET /api/v1/conversations/:id/agent': { permission: 'conversations.view', scopes: ['conversations:read'] },
  'POST /api/v1/conversations/:id/agent/disable': { permission: 'conversations.manage_agent', scopes: ['conversations:write'] },
  'POST /api/v1/conversations/:id/agent/enable': { permission: 'conversations.manage_agent', scopes: ['conversations:write'] },
  'GET /api/v1/conversations/:id/ai-suggestion': { permission: 'conversations.view', scopes: ['conversations:read'] },
  'GET /api/v1/conversations/:id/ai-suggestions': { permission: 'conversations.view', scopes: ['conversations:read'] },
  'POST /api/v1/conversations/:id/ai-suggestion/send': { permission: 'conversations.reply', scopes: ['conversations:write'] },
  'GET /api/v1/customers': { permission: 'customers.view', scopes: ['customers:read'] },
  'POST /api/v1/customers': { permission: 'customers.manage', scopes: ['customers:write'] },
  'GET /api/v1/customers/:id': { permission: 'customers.view', scopes: ['customers:read'] },
  'PUT /api/v1/customers/:id': { permission: 'customers.manage', scopes: ['customers:write'] },
  'DELETE /api/v1/customers/:id': { permission: 'customers.manage', scopes: ['customers:write'] },
  'GET /api/v1/users': { permission: 'users.view', scopes: ['users:read'] },
  'POST /api/v1/users': { permission: 'users.manage', scopes: ['users:write'] },
  'GET /api/v1/users/:id': { permission: 'users.view', scopes: ['users:read'] },
  'PUT /api/v1/users/:id': { permission: 'users.manage', scopes: ['users:write'] },
  'DELETE /api/v1/users/:id': { permission: 'users.manage', scopes: ['users:write'] },
  'GET /api/v1/users/:id/roles': { permission: 'users.view', scopes: ['users:read'] },
  'PUT /api/v1/users/:id/roles': { permission: 'users.manage', scopes: ['users:write'] },
  'GET /api/v1/roles': { permission: 'roles.view', scopes: ['users:read'] },
  'GET /api/v1/roles/:id': { permission: 'roles.view', scopes: ['users:read'] },
  'GET /api/v1/account/roles': { permission: 'member', scopes: ['account:read'] },
  'GET /api/v1/account/tenants': { permission: 'none', scopes: ['account:read'] },
  'GET /api/v1/channel-blacklists': { permission: 'blacklist.view', scopes: ['conversations:read', 'blacklist:write'] },
  'POST /api/v1/channel-blacklists': { permission: 'blacklist.manage', scopes: ['blacklist:write'] },
  'PUT /api/v1/channel-blacklists/:id': { permission: 'blacklist.manage', scopes: ['blacklist:write'] },
  'DELETE /api/v1/channel-blacklists/:id': { permission: 'blacklist.manage', scopes: ['blacklist:write'] },
  'GET /api/v1/channels': { permission: 'channels.view', scopes: ['conversations:read', 'channels:write'] },
  'GET /api/v1/channels/:id': { permission: 'channels.view', scopes: ['conversations:read', 'channels:write'] },
  'POST /api/v1/channels': { permission: 'channels.manage', scopes: ['channels:write'] },
  'PUT /api/v1/channels/:id': { permission: 'channels.manage', scopes: ['channels:write'] },
  'GET /api/v1/conversations/:id/reply-window': { permission: 'conversations.view', scopes: ['conversations:read'] },
  'GET /api/v1/channel-blacklists/:id/quarantined-messages': { permission: 'blacklist.view', scopes: ['blacklist:write'] },
  'GET /api/v1/applications': { permission: 'applications.manage', scopes: 'full-access' },
  'POST /api/v1/applications': { permission: 'applications.manage', scopes: 'full-access' },
  'GET /api/v1/applications/:id': { permission: 'applications.manage', scopes: 'full-access' },
  'PUT /api/v1/applications/:id': { permission: 'applications.manage', scopes: 'full-access' },
  'POST /api/v1/applications/:id/secret': { permission: 'applications.manage', scopes: 'full-access' },
  'DELETE /api/v1/applications/:id': { permission: 'applications.manage', scopes: 'full-access' },
  'GET /api/v1/knowledge-articles': { permission: 'knowledge.view', scopes: ['conversations:read', 'channels:write'] },
  'POST /api/v1/knowledge-articles': { permission: 'knowledge.manage', scopes: ['channels:write'] },
  'GET /api/v1/knowledge-articles/:id': { permission: 'knowledge.view', scopes: ['conversations:read', 'channels:write'] },
  'PUT /api/v1/knowledge-articles/:id': { permission: 'knowledge.manage', scopes: ['channels:write'] },
  'DELETE /api/v1/knowledge-articles/:id': { permission: 'knowledge.manage', scopes: ['channels:write'] },
  'GET /api/v1/conversations/:id/agent-runs': { permission: 'conversations.view', scopes: ['conversations:read'] },
  'GET /api/v1/agent-runs/:id': { permission: 'conversations.view', scopes: ['conversations:read'] },
  'GET /api/v1/tenant-settings': { permission: 'channels.view', scopes: ['conversations:read', 'channels:write'] },
  'PUT /api/v1/tenant-settings': { permission: 'channels.manage', scopes: ['channels:write'] },
  'GET /api/v1/events': { permission: 'conversations.view', scopes: ['conversations:read'] },
  'GET /api/v1/events/log': { permission: 'conversations.view', scopes: ['conversations:read'] },
};

export interface SampleRequest {
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  payload?: Buffer;
}

type Sample = (h: Harness, seed: SeedResult) => Promise<SampleRequest>;

/** A telegram conversation: it has no reply window, so sends always pass the channel rules. */
async function telegramConversation(h: Harness, seed: SeedResult): Promise<number> {
  return (await conversationOn(h, seed, 'telegram')).id as number;
}

const onConversation =
  (suffix: string, body?: unknown): Sample =>
  async (h, seed) => ({
    url: `/api/v1/conversations/${await telegramConversation(h, seed)}${suffix}`,
    ...(body === undefined ? {} : { body }),
  });

/** A WhatsApp conversation whose customer just wrote: its reply window is open, so every field has a value. */
const openWhatsAppWindow: Sample = async (h, seed) => {
  const conversation = (await conversationOn(h, seed, 'whatsapp')).id as number;
  await insertMessage(h, seed.tenant_id, conversation, { text: 'Sample customer message' });
  return { url: `/api/v1/conversations/${conversation}/reply-window` };
};

/** A text the owner sent, so members may edit or delete it. */
const onOwnMessage =
  (body?: unknown): Sample =>
  async (h, seed) => {
    const conversation = await telegramConversation(h, seed);
    const message = await sentMessageId(h, seed.access_token, conversation, 'Sample message');
    return { url: `/api/v1/conversations/${conversation}/messages/${message}`, ...(body === undefined ? {} : { body }) };
  };

const withDraft =
  (suffix: string, body?: unknown): Sample =>
  async (h, seed) => {
    const conversation = await telegramConversation(h, seed);
    await sql(h, "UPDATE ai_suggestions SET status = 'discarded' WHERE tenant_id = $1 AND conversation_id = $2 AND status = 'pending'", [
      seed.tenant_id,
      conversation,
    ]);
    await createDraft(h, seed, conversation, 'A drafted answer');
    return { url: `/api/v1/conversations/${conversation}${suffix}`, ...(body === undefined ? {} : { body }) };
  };

/** A customer of the seed's tenant made for this call (deletes and updates consume nothing shared). */
async function freshCustomer(h: Harness, seed: SeedResult): Promise<number> {
  const rows = await sql<{ id: number }>(h, "INSERT INTO customers (tenant_id, first_name) VALUES ($1, 'Sample') RETURNING id", [seed.tenant_id]);
  return Number(rows[0]!.id);
}

const onCustomer =
  (body?: unknown): Sample =>
  async (h, seed) => ({
    url: `/api/v1/customers/${await freshCustomer(h, seed)}`,
    ...(body === undefined ? {} : { body }),
  });

/** An active block of a fresh customer on the seed's telegram channel. */
const onBlacklistEntry =
  (body?: unknown): Sample =>
  async (h, seed) => {
    const customer = await freshCustomer(h, seed);
    const rows = await sql<{ id: number }>(
      h,
      `INSERT INTO channel_blacklists (tenant_id, channel_id, customer_id, reason, blocked_at) VALUES ($1, $2, $3, 'manual', now()) RETURNING id`,
      [seed.tenant_id, seed.channels.telegram, customer],
    );
    return { url: `/api/v1/channel-blacklists/${rows[0]!.id}`, ...(body === undefined ? {} : { body }) };
  };

/** A fresh article of the seed's tenant, written as the API writes one (language and search vector included). */
const onArticle =
  (body?: unknown): Sample =>
  async (h, seed) => {
    const rows = await sql<{ id: number }>(
      h,
      `INSERT INTO knowledge_articles (tenant_id, title, body) VALUES ($1, 'Returning shoes', 'Unworn shoes can be returned within 30 days.') RETURNING id`,
      [seed.tenant_id],
    );
    return { url: `/api/v1/knowledge-articles/${rows[0]!.id}`, ...(body === undefined ? {} : { body }) };
  };

/** A failed agent run, every field filled, of a conversation on the seed's telegram channel; `list` asks for the conversation's runs. */
const onAgentRun =
  (list: boolean): Sample =>
  async (h, seed) => {
    const conversationId = await telegramConversation(h, seed);
    const rows = await sql<{ id: number }>(
      h,
      `INSERT INTO agent_runs (tenant_id, conversation_id, channel_id, mode, provider, model, status, outcome, trigger_message_ids, reply_message_id,
                              ai_suggestion_id, blacklist_entry_id, attempts, latency_ms, prompt_tokens, completion_tokens, reason, error, started_at, finished_at)
       VALUES ($1, $2, $3, 'autonomous', 'openai_compatible', 'gpt-4o-mini', 'failed', 'handoff', '[7]', 8, 9, 10, 3, 4200, 611, 48,
               'The customer asked for a person.', '500: The server had an error.', now(), now()) RETURNING id`,
      [seed.tenant_id, conversationId, seed.channels.telegram],
    );
    return { url: list ? `/api/v1/conversations/${conversationId}/agent-runs` : `/api/v1/agent-runs/${rows[0]!.id}` };
  };

/** An Agent of the seed's tenant made for this call: not an Owner, so Owner protection does not apply. */
const onAgentMember =
  (suffix: string, body?: unknown): Sample =>
  async (h, seed) => {
    const userId = await createUser(h, 'Sample Agent');
    await addMembership(h, seed.tenant_id, userId, ['Agent']);
    return { url: `/api/v1/users/${userId}${suffix}`, ...(body === undefined ? {} : { body }) };
  };

let sampleEmails = 0;

/** An application of the seed's tenant made for this call (not the seed's Demo App, whose token the seed uses). */
const onApplication =
  (suffix: string, body?: unknown): Sample =>
  async (h, seed) => {
    const rows = await sql<{ id: number }>(
      h,
      `INSERT INTO oauth_clients (tenant_id, client_id, name, confidential, redirect_uris) VALUES ($1, gen_random_uuid(), 'Sample app', true, '["https://app.example.test/callback"]') RETURNING id`,
      [seed.tenant_id],
    );
    return { url: `/api/v1/applications/${rows[0]!.id}${suffix}`, ...(body === undefined ? {} : { body }) };
  };

/**
 * The signed link of a PNG just sent on the seed's telegram conversation, as a path. Nothing makes thumbnails yet,
 * so for `thumbnail` the file's own bytes are recorded as its thumbnail.
 */
const signedFileLink =
  (variant: 'content' | 'thumbnail'): Sample =>
  async (h, seed) => {
    const conversation = await telegramConversation(h, seed);
    const { payload, contentType } = multipartBody([{ name: 'file', filename: 'label.png', contentType: 'image/png', data: PNG_BYTES }]);
    const url = `/api/v1/conversations/${conversation}/messages/media`;
    const sent = await h.request({ method: 'POST', url, token: seed.access_token, tenant: seed.tenant_id, headers: { 'content-type': contentType }, payload });
    const messageId = Number(sent.json.data.message_id);
    if (variant === 'thumbnail') {
      await sql(h, "UPDATE files SET thumbnail_key = storage_key WHERE tenant_id = $1 AND fileable_type = 'conversation_message' AND fileable_id = $2", [
        seed.tenant_id,
        messageId,
      ]);
    }
    const { file } = await listedMessage(h, seed.access_token, conversation, messageId);
    const link: string = variant === 'content' ? file.temporary_url : file.temporary_thumbnail_url;
    return { url: link.replace(/^https?:\/\/[^/]+/, '') };
  };

/**
 * One valid request per registered route (a fresh resource per call where the request consumes it), so the
 * matrix test can expect success and not merely "not refused".
 */
export const SAMPLE_REQUESTS: Record<string, Sample> = {
  'GET /api/v1/conversations': async () => ({ url: '/api/v1/conversations' }),
  'POST /api/v1/conversations': async (_h, seed) => ({
    url: '/api/v1/conversations',
    body: { channel_id: seed.channels.telegram, address: `sample-${Math.random().toString(36).slice(2)}` },
  }),
  'GET /api/v1/conversations/:id': onConversation(''),
  'POST /api/v1/conversations/:id/read': onConversation('/read'),
  'GET /api/v1/conversations/:id/messages': onConversation('/messages'),
  'POST /api/v1/conversations/:id/messages': onConversation('/messages', { message: 'Hello from the matrix' }),
  'POST /api/v1/conversations/:id/messages/media': async (h, seed) => {
    const { payload, contentType } = multipartBody([{ name: 'file', filename: 'label.png', contentType: 'image/png', data: PNG_BYTES }]);
    return { url: `/api/v1/conversations/${await telegramConversation(h, seed)}/messages/media`, payload, headers: { 'content-type': contentType } };
  },
  'PUT /api/v1/conversations/:id/messages/:messageId': onOwnMessage({ message: 'Edited by the matrix' }),
  'DELETE /api/v1/conversations/:id/messages/:messageId': onOwnMessage(),
  'GET /api/v1/conversations/:id/agent': onConversation('/agent'),
  'GET /api/v1/conversations/:id/reply-window': openWhatsAppWindow,
  'POST /api/v1/conversations/:id/agent/disable': onConversation('/agent/disable', { duration_minutes: 30 }),
  'POST /api/v1/conversations/:id/agent/enable': onConversation('/agent/enable'),
  'GET /api/v1/conversations/:id/ai-suggestion': withDraft('/ai-suggestion'),
  'GET /api/v1/conversations/:id/ai-suggestions': withDraft('/ai-suggestions'),
  'POST /api/v1/conversations/:id/ai-suggestion/send': withDraft('/ai-suggestion/send', { send_source: 'suggestion_as_is' }),
  'GET /api/v1/conversations/:id/agent-runs': onAgentRun(true),
  'GET /api/v1/agent-runs/:id': onAgentRun(false),
  'GET /api/v1/customers': async () => ({ url: '/api/v1/customers?search=sample&sort_by=first_name' }),
  'POST /api/v1/customers': async () => ({ url: '/api/v1/customers', body: { first_name: 'Ceyda', last_name: 'Zed', country_id: 792 } }),
  'GET /api/v1/customers/:id': onCustomer(),
  'PUT /api/v1/customers/:id': onCustomer({ job: 'Captain' }),
  'DELETE /api/v1/customers/:id': onCustomer(),
  'GET /api/v1/channel-blacklists': async () => ({ url: '/api/v1/channel-blacklists?active=1' }),
  'POST /api/v1/channel-blacklists': async (h, seed) => ({
    url: '/api/v1/channel-blacklists',
    body: { channel_id: seed.channels.telegram, customer_id: await freshCustomer(h, seed), reason: 'manual', ttl_seconds: 3600 },
  }),
  'PUT /api/v1/channel-blacklists/:id': onBlacklistEntry({ note: 'Calmer now', metadata: { source: 'matrix' } }),
  'DELETE /api/v1/channel-blacklists/:id': onBlacklistEntry(),
  'GET /api/v1/channel-blacklists/:id/quarantined-messages': async (h, seed) => {
    const { url } = await onBlacklistEntry()(h, seed);
    const entryId = Number(url.split('/').pop());
    // One stopped message (every field filled), counted on its entry as ingress does.
    await sql(
      h,
      `WITH q AS (INSERT INTO quarantined_messages (tenant_id, blacklist_id, channel_id, customer_id, message_type, message, provider_message_id, received_at)
                  SELECT tenant_id, id, channel_id, customer_id, 'text', 'Let me in', 'sample.mid', now() FROM channel_blacklists WHERE tenant_id = $1 AND id = $2)
       UPDATE channel_blacklists SET quarantined_count = quarantined_count + 1, last_quarantined_at = now() WHERE tenant_id = $1 AND id = $2`,
      [seed.tenant_id, entryId],
    );
    return { url: `${url}/quarantined-messages` };
  },
  'GET /api/v1/users': async () => ({ url: '/api/v1/users?role=Owner&sort_by=name' }),
  'POST /api/v1/users': async () => ({
    url: '/api/v1/users',
    body: {
      name: 'Deniz Kaya',
      email: `matrix-${process.pid}-${++sampleEmails}@example.test`,
      password: 'correct horse',
      password_confirmation: 'correct horse',
    },
  }),
  'GET /api/v1/users/:id': onAgentMember(''),
  'PUT /api/v1/users/:id': onAgentMember('', { title: 'Support lead' }),
  'DELETE /api/v1/users/:id': onAgentMember(''),
  'GET /api/v1/users/:id/roles': onAgentMember('/roles'),
  'PUT /api/v1/users/:id/roles': async (h, seed) => ({
    ...(await onAgentMember('/roles')(h, seed)),
    body: { role_ids: [await roleId(h, seed.tenant_id, 'Viewer')] },
  }),
  'GET /api/v1/roles': async () => ({ url: '/api/v1/roles?search=a' }),
  'GET /api/v1/roles/:id': async (h, seed) => ({ url: `/api/v1/roles/${await roleId(h, seed.tenant_id, 'Agent')}` }),
  'GET /api/v1/account/roles': async () => ({ url: '/api/v1/account/roles' }),
  'GET /api/v1/applications': async () => ({ url: '/api/v1/applications' }),
  'POST /api/v1/applications': async () => ({
    url: '/api/v1/applications',
    body: { name: 'Matrix app', redirect_uris: ['https://app.example.test/callback'], confidential: true, scopes: ['conversations:read'] },
  }),
  'GET /api/v1/applications/:id': onApplication(''),
  'PUT /api/v1/applications/:id': onApplication('', { name: 'Renamed app' }),
  'POST /api/v1/applications/:id/secret': onApplication('/secret'),
  'DELETE /api/v1/applications/:id': onApplication(''),
  'GET /api/v1/channels': async () => ({ url: '/api/v1/channels' }),
  'GET /api/v1/channels/:id': async (_h, seed) => ({ url: `/api/v1/channels/${seed.channels.whatsapp}` }),
  'POST /api/v1/channels': async () => ({ url: '/api/v1/channels', body: { type: 'website', name: 'Matrix site', address: 'https://matrix.example.test' } }),
  'PUT /api/v1/channels/:id': async (_h, seed) => ({ url: `/api/v1/channels/${seed.channels.website}`, body: { name: 'Renamed site' } }),
  'GET /api/v1/knowledge-articles': async (h, seed) => {
    await onArticle()(h, seed);
    return { url: '/api/v1/knowledge-articles?search=return&is_published=1' };
  },
  'POST /api/v1/knowledge-articles': async () => ({
    url: '/api/v1/knowledge-articles',
    body: { title: 'Opening hours', body: 'We open at 9.30 on weekdays.', is_published: true },
  }),
  'GET /api/v1/knowledge-articles/:id': onArticle(),
  'PUT /api/v1/knowledge-articles/:id': onArticle({ title: 'Returns and refunds' }),
  'DELETE /api/v1/knowledge-articles/:id': onArticle(),
  'GET /api/v1/tenant-settings': async () => ({ url: '/api/v1/tenant-settings' }),
  'PUT /api/v1/tenant-settings': async () => ({
    url: '/api/v1/tenant-settings',
    body: { agent: { instructions: 'We sell shoes.' }, flood: { max_messages: 30 } },
  }),
  'GET /api/v1/account/tenants': async () => ({ url: '/api/v1/account/tenants' }),
  'GET /api/v1/files/:id/content': signedFileLink('content'),
  'GET /api/v1/files/:id/thumbnail': signedFileLink('thumbnail'),
  // An event stream: the harness reads its opening (up to `ready`) and drops it.
  'GET /api/v1/events': async () => ({ url: '/api/v1/events?after=0&types[]=message.created', headers: { 'last-event-id': '0' } }),
  // A conversation made through the API first, so the page holds events (seeded rows have none).
  'GET /api/v1/events/log': async (h, seed) => {
    await postConversation(h, seed, { channel_id: seed.channels.telegram, address: `log-${Math.random().toString(36).slice(2)}` });
    return { url: '/api/v1/events/log?after=0&limit=50&types[]=conversation.created&types[]=customer.created' };
  },
};
