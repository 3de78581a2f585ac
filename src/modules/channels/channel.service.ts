import { recordEvents } from '../events/event-recorder.js';
import { SYSTEM_ACTOR, type EventActor } from '../events/event-types.js';
import type { AppDeps } from '../../app-deps.js';
import { isUniqueViolation, type Queryable } from '../../platform/db/db.js';
import { validationError } from '../../platform/errors.js';
import { randomString } from '../../platform/crypto.js';
import { enqueue } from '../../platform/jobs/job-queue.js';
import { sealChannelSecret, verifyTokenDigest } from './channel-secrets.js';
import { CHANNEL_SETTINGS } from './channel.resource.js';
import type { ChannelType } from './channel-types.js';
import { DEFAULT_COLOR, DEFAULT_GREETING } from './channel-settings.js';
import {
  findChannelForUpdate,
  insertChannel,
  nextChannelId,
  routingKeyTaken,
  updateChannelRow,
  type ChannelRow,
  type ChannelWrite,
} from './channel.repository.js';
import { registerTelegramWebhookJob } from './register-telegram-webhook.job.js';

/**
 * Creating and updating channels (docs/channels.md#channel-management). Secrets are sealed one value at a time with
 * the channel's id in their associated data, so a create takes the id from the sequence before sealing.
 */
export interface ChannelInput {
  name?: string | null;
  address?: string | null;
  is_active?: boolean | null;
  /** Validated keys of the type only; null clears a key. */
  settings?: Record<string, unknown> | null;
}

const SECRET_TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** The provider account that routes inbound events to the channel, unique among live channels of every tenant. */
const ROUTING_FIELD: Partial<Record<ChannelType, { key: string; message: string }>> = {
  whatsapp: { key: 'phone_number_id', message: 'The settings.phone number id has already been taken.' },
  instagram: { key: 'account_id', message: 'The settings.account id has already been taken.' },
  telegram: { key: 'bot_token', message: 'The settings.bot token has already been taken.' },
};

function routingKey(type: ChannelType, plain: Record<string, unknown>, secrets: Record<string, string | null>): string | null {
  if (type === 'whatsapp') return typeof plain.phone_number_id === 'string' ? plain.phone_number_id : null;
  if (type === 'instagram') return typeof plain.account_id === 'string' ? plain.account_id : null;
  // A bot is named by the digits before the colon of its token; the token itself never leaves the sealed value.
  if (type === 'telegram') return typeof secrets.bot_token === 'string' ? secrets.bot_token.split(':')[0]! : null;
  return null;
}

function takenError(type: ChannelType) {
  const field = ROUTING_FIELD[type]!;
  return validationError({ [`settings.${field.key}`]: [field.message] });
}

const DEFAULTS: Partial<Record<string, unknown>> = { agent_mode: 'off', allowed_origins: [], color: DEFAULT_COLOR };

/** Plain settings after applying `changes`: null resets a key with a default to it, and clears the others. */
function mergePlain(type: ChannelType, stored: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...stored };
  for (const key of CHANNEL_SETTINGS[type].plain) {
    if (!(key in changes) || key === 'widget_key') continue;
    const value = changes[key];
    if (value === null || value === undefined) {
      if (key in DEFAULTS) merged[key] = DEFAULTS[key];
      else merged[key] = null;
    } else merged[key] = value;
  }
  return merged;
}

interface Prepared {
  write: ChannelWrite;
  /** Secret keys whose value this write changed (the Telegram webhook is registered again when bot or secret token did). */
  changedSecrets: string[];
}

function prepare(
  deps: AppDeps,
  tenantId: number,
  id: number,
  type: ChannelType,
  base: Omit<ChannelWrite, 'routing_key' | 'verify_token_digest'> & { verify_token_digest: string | null; routing_key: string | null },
  input: ChannelInput,
  plainSecrets: Record<string, string | null>,
): Prepared {
  const changes = input.settings ?? {};
  const settings = mergePlain(type, base.settings, changes);
  const secrets = { ...base.secrets };
  const changedSecrets: string[] = [];
  let digest = base.verify_token_digest;
  for (const key of CHANNEL_SETTINGS[type].secret) {
    if (!(key in plainSecrets)) continue;
    const value = plainSecrets[key];
    changedSecrets.push(key);
    if (typeof value === 'string') secrets[key] = sealChannelSecret(deps.box, tenantId, id, key, value);
    else delete secrets[key];
    if (key === 'verify_token') digest = typeof value === 'string' ? verifyTokenDigest(deps.box, value) : null;
  }
  // The routing key follows the routing setting when it changed, else keeps the stored one.
  const routingChanged = type === 'telegram' ? 'bot_token' in plainSecrets : ROUTING_FIELD[type] !== undefined && ROUTING_FIELD[type]!.key in changes;
  const routing = routingChanged ? routingKey(type, settings, plainSecrets) : base.routing_key;
  return {
    write: {
      name: input.name ?? base.name,
      address: input.address ?? base.address,
      is_active: input.is_active ?? base.is_active,
      settings,
      secrets,
      routing_key: routing,
      verify_token_digest: digest,
    },
    changedSecrets,
  };
}

/** The secret keys of the type present in the input, split off from the plain settings. */
function secretsOf(type: ChannelType, settings: Record<string, unknown>): Record<string, string | null> {
  const secrets: Record<string, string | null> = {};
  for (const key of CHANNEL_SETTINGS[type].secret) if (key in settings) secrets[key] = (settings[key] as string | null) ?? null;
  return secrets;
}

async function checkRouting(tx: Queryable, tenantId: number, id: number, type: ChannelType, write: ChannelWrite): Promise<void> {
  if (!write.is_active || write.routing_key === null || !ROUTING_FIELD[type]) return;
  if (await routingKeyTaken(tx, type, write.routing_key, { tenantId, id })) throw takenError(type);
}

async function registerWebhookIfNeeded(deps: AppDeps, tx: Queryable, tenantId: number, id: number, type: ChannelType, prepared: Prepared, now: Date) {
  if (type !== 'telegram' || !deps.config.publicUrl?.startsWith('https://')) return;
  if (!prepared.changedSecrets.some((key) => key === 'bot_token' || key === 'secret_token')) return;
  if (typeof prepared.write.secrets.bot_token !== 'string') return;
  await enqueue(tx, registerTelegramWebhookJob, { channel_id: id }, { tenantId, orderingKey: `telegram-webhook:${tenantId}:${id}`, runAt: now });
}

/** Runs `work`, turning a lost race on the live routing index into the documented 422. */
async function guardRouting<T>(type: ChannelType, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error, 'channels_live_routing_key')) throw takenError(type);
    throw error;
  }
}

export async function createChannel(
  deps: AppDeps,
  tenantId: number,
  type: ChannelType,
  input: ChannelInput & { name: string; address: string },
  now: Date,
  actor: EventActor = SYSTEM_ACTOR,
): Promise<number> {
  const changes = { ...(input.settings ?? {}) };
  const plainSecrets = secretsOf(type, changes);
  if (type === 'telegram' && typeof plainSecrets.secret_token !== 'string') plainSecrets.secret_token = randomString(32, SECRET_TOKEN_ALPHABET);
  const base = {
    name: input.name,
    address: input.address,
    is_active: input.is_active ?? true,
    settings: { agent_mode: 'off', ...(type === 'website' ? { allowed_origins: [], greeting: DEFAULT_GREETING, color: DEFAULT_COLOR } : {}) },
    secrets: {},
    routing_key: null,
    verify_token_digest: null,
  };
  return guardRouting(type, () =>
    deps.db.transaction(async (tx) => {
      const id = await nextChannelId(tx);
      const prepared = prepare(deps, tenantId, id, type, base, { ...input, settings: changes }, plainSecrets);
      // Read-only and made here, never taken from input (docs/channels.md#what-is-validated).
      if (type === 'website') prepared.write.settings.widget_key = randomString(24);
      await checkRouting(tx, tenantId, id, type, prepared.write);
      await insertChannel(tx, tenantId, id, type, prepared.write, now);
      await registerWebhookIfNeeded(deps, tx, tenantId, id, type, prepared, now);
      recordEvents(tx, tenantId, actor, now, { kind: 'channel', id, change: 'created' });
      return id;
    }),
  );
}

/** A partial update merged key by key into the stored channel; checks routing again when it ends up live. */
export async function updateChannel(
  deps: AppDeps,
  tenantId: number,
  channel: ChannelRow,
  input: ChannelInput,
  now: Date,
  actor: EventActor = SYSTEM_ACTOR,
): Promise<void> {
  const type = channel.type;
  const changes = { ...(input.settings ?? {}) };
  const plainSecrets = secretsOf(type, changes);
  await guardRouting(type, () =>
    deps.db.transaction(async (tx) => {
      const stored = (await findChannelForUpdate(tx, tenantId, channel.id)) ?? channel;
      const base = { ...stored, routing_key: stored.routing_key ?? null, verify_token_digest: stored.verify_token_digest ?? null };
      const prepared = prepare(deps, tenantId, stored.id, type, base, { ...input, settings: changes }, plainSecrets);
      await checkRouting(tx, tenantId, stored.id, type, prepared.write);
      await updateChannelRow(tx, tenantId, stored.id, prepared.write, now);
      await registerWebhookIfNeeded(deps, tx, tenantId, stored.id, type, prepared, now);
      // updated_at always moves; a customer or channel change never emits per conversation (docs/events.md).
      recordEvents(tx, tenantId, actor, now, { kind: 'channel', id: stored.id, change: 'updated' });
    }),
  );
}
