import { moveEventsInBackground } from '../events/event-recorder.js';
import type { AppDeps } from '../../app-deps.js';
import { commitWithoutFlushWait, type Queryable } from '../../platform/db/db.js';
import { retryDelaySeconds } from '../../platform/jobs/job-queue.js';
import { findChannelsByIds, type ChannelRow } from '../channels/channel.repository.js';
import { openChannelSecrets } from '../channels/channel-secrets.js';
import { addressKey } from '../conversations/conversation.service.js';
import { ConversationCountBatch } from '../conversations/conversation.repository.js';
import { loadTenantSettings, type TenantSettings } from '../tenants/tenant-settings.js';
import type { InboundAction } from './inbound-event.js';
import { parseInboundEvent } from './parse-inbound.js';
import { applyInboundActions, retryConversationRaces } from './apply-inbound.js';
import { conversationCustomerIsNamed, lockConversationsByKeys } from './inbound.repository.js';
import { claimPendingEvents, recordFailedAttempt, settleEvents, type PendingInboundEvent } from './inbound-queue.repository.js';
import { fetchInstagramProfile, withProfile } from './instagram-profile.js';

/** The parser's signature: an option only so tests can hand the processor a parse result without a wire payload. */
export type InboundParser = typeof parseInboundEvent;

export interface ProcessOptions {
  /** Events claimed and applied in one transaction. */
  batchSize: number;
  parse?: InboundParser;
  /** The jitter of retry delays (tests pin it). */
  random?: () => number;
}

/**
 * Applies up to `batchSize` pending provider events (docs/channels.md#processing-inbound-events) and returns how
 * many it settled (0: nothing was due). The whole batch commits in one transaction: claim, effects, `processed_at`.
 * When anything in it fails, the batch is undone and its events are applied one per transaction instead, so only an
 * event that fails on its own waits for a retry (its customer's later events behind it).
 */
export async function processPendingEvents(deps: AppDeps, now: Date, options: ProcessOptions): Promise<number> {
  try {
    return await deps.db.transaction((tx) => applyBatch(tx, deps, now, options.batchSize, options.parse));
  } catch {
    let settled = 0;
    for (let i = 0; i < options.batchSize; i++) {
      const one = await processOneEvent(deps, now, options);
      if (one === 0) break;
      settled += one;
    }
    return settled;
  }
}

async function processOneEvent(deps: AppDeps, now: Date, options: ProcessOptions): Promise<number> {
  let claimed: PendingInboundEvent | undefined;
  try {
    // Two processors creating the same conversation (two addresses of one key): the loser runs again and finds it.
    return await retryConversationRaces(() => deps.db.transaction((tx) => applyBatch(tx, deps, now, 1, options.parse, (events) => (claimed = events[0]))));
  } catch (error) {
    if (!claimed) throw error;
    const delay = retryDelaySeconds(claimed.attempts + 1, null, options.random);
    await recordFailedAttempt(deps.db, claimed, (error as Error)?.message ?? String(error), new Date(now.getTime() + delay * 1000), now);
    return 1;
  }
}

async function applyBatch(
  tx: Queryable,
  deps: AppDeps,
  now: Date,
  limit: number,
  parse: InboundParser = parseInboundEvent,
  onClaim?: (events: PendingInboundEvent[]) => void,
): Promise<number> {
  // The events are durable and a lost commit is processed again from them: no need to hold the conversation locks
  // through a WAL flush (bench/RESULTS.md, bench:ingest).
  await commitWithoutFlushWait(tx);
  // Nor does the next batch wait for this one's events to be numbered: the log follows a moment later.
  moveEventsInBackground(tx);
  const events = await claimPendingEvents(tx, now, limit);
  onClaim?.(events);
  if (events.length === 0) return 0;
  const channels = await findChannelsByIds(tx, unique(events.map((event) => ({ tenantId: event.tenant_id, id: event.channel_id }))));
  const settings = await tenantSettings(tx, events);
  // Parsed, and Instagram profiles looked up, before any conversation is locked: no network call holds those locks.
  const parsed: Array<{ event: PendingInboundEvent; channel: ChannelRow | undefined; actions: InboundAction[] }> = [];
  for (const event of events) {
    const channel = channels.get(`${event.tenant_id}:${event.channel_id}`);
    const actions = channel ? await withInstagramProfiles(tx, deps, channel, parse(event.provider, event.payload)) : [];
    parsed.push({ event, channel, actions });
  }
  // The batch's known conversations and their customers' pair locks in one round trip, instead of one per message.
  const lockedConversations = await lockConversationsByKeys(tx, messageKeys(parsed));
  const newConversations = new ConversationCountBatch();
  const settled: Array<{ event: PendingInboundEvent; outcome: string }> = [];
  for (const { event, channel, actions } of parsed) {
    if (!channel) {
      settled.push({ event, outcome: 'ignored' });
      continue;
    }
    const outcome = await applyInboundActions(tx, {
      channel: { tenantId: event.tenant_id, id: event.channel_id, type: channel.type, agentMode: channel.settings.agent_mode },
      event: { id: event.id, receivedAt: event.received_at },
      actions,
      settings: settings.get(event.tenant_id)!,
      now,
      newConversations,
      lockedConversations,
    });
    settled.push({ event, outcome });
  }
  await newConversations.flush(tx);
  await settleEvents(tx, settled, now);
  return events.length;
}

/** The conversations the batch's messages go to, by (tenant, channel, address key). */
function messageKeys(parsed: Array<{ event: PendingInboundEvent; channel: ChannelRow | undefined; actions: InboundAction[] }>) {
  return parsed.flatMap(({ event, channel, actions }) =>
    channel
      ? actions.flatMap((action) =>
          action.kind === 'message' ? [{ tenantId: event.tenant_id, channelId: event.channel_id, key: addressKey(channel.type, action.address) }] : [],
        )
      : [],
  );
}

function unique(keys: Array<{ tenantId: number; id: number }>): Array<{ tenantId: number; id: number }> {
  return [...new Map(keys.map((key) => [`${key.tenantId}:${key.id}`, key])).values()];
}

/** Each tenant's settings, read once per batch. */
async function tenantSettings(tx: Queryable, events: PendingInboundEvent[]): Promise<Map<number, TenantSettings>> {
  const settings = new Map<number, TenantSettings>();
  for (const tenantId of new Set(events.map((event) => event.tenant_id))) settings.set(tenantId, await loadTenantSettings(tx, tenantId));
  return settings;
}

/** Instagram sends no profile with a message: it is looked up for a customer who has no name yet. */
async function withInstagramProfiles(tx: Queryable, deps: AppDeps, channel: ChannelRow, actions: InboundAction[]): Promise<InboundAction[]> {
  if (channel.type !== 'instagram') return actions;
  let result = actions;
  const addresses = new Set(
    actions.flatMap((action) => (action.kind === 'message' && !action.echo && action.profile.firstName === null ? [action.address] : [])),
  );
  for (const address of addresses) {
    if (await conversationCustomerIsNamed(tx, Number(channel.tenant_id), Number(channel.id), addressKey('instagram', address))) continue;
    let token: string | undefined;
    try {
      token = openChannelSecrets(deps.box, channel).access_token;
    } catch {
      token = undefined;
    }
    if (!token) return result;
    const fetched = await fetchInstagramProfile(deps.config, token, address);
    if (fetched) result = withProfile(result, address, fetched);
  }
  return result;
}
