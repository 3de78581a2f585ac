import type { JobContext, JobDeps } from '../../platform/jobs/define-job.js';
import { commitWithoutFlushWait, isUniqueViolation } from '../../platform/db/db.js';
import { findChannel, type ChannelRow } from '../channels/channel.repository.js';
import { openChannelSecrets } from '../channels/channel-secrets.js';
import { addressKey } from '../conversations/conversation.service.js';
import { loadTenantSettings } from '../tenants/tenant-settings.js';
import type { ProcessInboundPayload } from './process-inbound.job.js';
import type { InboundAction } from './inbound-event.js';
import { parseInboundEvent } from './parse-inbound.js';
import { applyInboundActions, ConversationRaced } from './apply-inbound.js';
import { conversationCustomerIsNamed, findInboundEvent, markEventProcessed } from './inbound.repository.js';
import { fetchInstagramProfile, withProfile } from './instagram-profile.js';

/** The parser's signature: a parameter only so the job's test can hand it a parse result without a wire payload. */
export type InboundParser = typeof parseInboundEvent;

const RACE_RETRIES = 3;

/**
 * Loads the event, parses it (parse-inbound.ts) and applies its actions (apply-inbound.ts); the effects, the
 * event's processed_at/outcome and the job's completion commit together, so a crash re-runs the whole event.
 */
export async function processInboundEvent(context: JobContext<ProcessInboundPayload>, deps: JobDeps, parse: InboundParser = parseInboundEvent): Promise<void> {
  const tenantId = Number(context.job.tenant_id);
  const event = await findInboundEvent(context.db, tenantId, context.payload.event_id);
  if (!event || event.processed_at !== null) return context.complete();
  const channel = await findChannel(context.db, tenantId, Number(event.channel_id));
  if (!channel) return context.complete((tx) => markEventProcessed(tx, tenantId, event.id, 'ignored', context.now));
  const actions = await withInstagramProfiles(deps, channel, parse(event.provider, event.payload));
  const { flood } = await loadTenantSettings(context.db, tenantId);
  const input = {
    channel: { tenantId, id: Number(channel.id), type: channel.type },
    event: { id: Number(event.id), receivedAt: event.received_at },
    actions,
    flood,
    now: context.now,
  };
  // Two workers creating the same conversation: the loser's transaction is undone and runs again, finding theirs.
  for (let attempt = 0; ; attempt++) {
    try {
      return await context.complete(async (tx) => {
        // The event is already durable and a lost commit is re-processed from it: no need to hold the conversation
        // and counter locks through a WAL flush (bench/RESULTS.md, bench:ingest).
        await commitWithoutFlushWait(tx);
        const outcome = await applyInboundActions(tx, input);
        await markEventProcessed(tx, tenantId, event.id, outcome, context.now);
      });
    } catch (error) {
      const raced = error instanceof ConversationRaced || isUniqueViolation(error);
      if (!raced || attempt >= RACE_RETRIES) throw error;
    }
  }
}

/** Instagram sends no profile with a message: it is looked up for a customer who has no name yet. */
async function withInstagramProfiles(deps: JobDeps, channel: ChannelRow, actions: InboundAction[]): Promise<InboundAction[]> {
  if (channel.type !== 'instagram') return actions;
  let result = actions;
  const addresses = new Set(
    actions.flatMap((action) => (action.kind === 'message' && !action.echo && action.profile.firstName === null ? [action.address] : [])),
  );
  for (const address of addresses) {
    if (await conversationCustomerIsNamed(deps.db, Number(channel.tenant_id), Number(channel.id), addressKey('instagram', address))) continue;
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
