import { recordEvents } from '../events/event-recorder.js';
import { customerActor, SYSTEM_ACTOR, type EventActor } from '../events/event-types.js';
import { isUniqueViolation, type Queryable } from '../../platform/db/db.js';
import { enqueue } from '../../platform/jobs/job-queue.js';
import type { ChannelType } from '../channels/channel-types.js';
import { addressKey } from '../conversations/conversation.service.js';
import { countConversation, insertConversation, type ConversationCountBatch } from '../conversations/conversation.repository.js';
import { insertProviderMessage } from '../messages/message.repository.js';
import { lockChannelCustomer } from '../blacklist/blacklist.repository.js';
import type { TenantSettings } from '../tenants/tenant-settings.js';
import { NO_PROFILE, type InboundAction, type InboundMessage } from './inbound-event.js';
import { customerForAddress, profileColumns } from './inbound-customer.js';
import { applyMessageUpdate } from './apply-updates.js';
import { downloadMediaJob } from './download-media.job.js';
import { scheduleAgentRun } from '../agent/runs/schedule-agent-run.js';
import {
  conversationLockKey,
  fillNamelessCustomer,
  findMessageIdByProviderId,
  ingressGuard,
  ingressState,
  lockConversationByKey,
  readIngressState,
  type LockedConversation,
} from './inbound.repository.js';
import { ingressTarget, quarantine, stoppingEntry } from './ingress-check.js';

/** The channel an event arrived on. */
export interface InboundChannel {
  tenantId: number;
  id: number;
  type: ChannelType;
  /** The channel's `agent_mode` setting: a customer message schedules the agent when it is `autonomous` or `copilot`. */
  agentMode?: unknown;
}

export interface InboundInput {
  channel: InboundChannel;
  /** The stored inbound event: its id goes to quarantine rows, its receipt time becomes created_at (§9.17). */
  event: { id: number | null; receivedAt: Date };
  actions: InboundAction[];
  /** The tenant's settings at this moment (product.md §9): the flood limits at ingress, the agent's debounce. */
  settings: TenantSettings;
  now: Date;
  /** Given by a caller that applies many events in one transaction: new conversations are counted when it ends. */
  newConversations?: ConversationCountBatch;
  /** Conversations the caller has locked already with their pair locks (lockConversationsByKeys), by conversationLockKey. */
  lockedConversations?: Map<string, LockedConversation>;
}

/** Another transaction created the conversation of this address first: the caller runs the event again (it converges). */
export class ConversationRaced extends Error {}

const RACE_RETRIES = 3;

/**
 * Runs `attempt` (a transaction applying inbound actions) again, up to three more times, while it loses the race to
 * create a conversation (or its customer): the re-run finds the winner's rows.
 */
export async function retryConversationRaces<T>(attempt: () => Promise<T>): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      const raced = error instanceof ConversationRaced || isUniqueViolation(error);
      if (!raced || retry >= RACE_RETRIES) throw error;
    }
  }
}

/**
 * Applies what one inbound event means (docs/channels.md#processing-inbound-events) inside the caller's
 * transaction, and returns what it did (the event's `outcome`: one word per action, distinct, comma-joined).
 */
export async function applyInboundActions(tx: Queryable, input: InboundInput): Promise<string> {
  const outcomes: string[] = [];
  for (const action of input.actions) {
    const outcome = action.kind === 'message' ? await applyMessage(tx, input, action) : await applyMessageUpdate(tx, input.channel, action, input.now);
    if (!outcomes.includes(outcome)) outcomes.push(outcome);
  }
  return outcomes.length === 0 ? 'ignored' : outcomes.join(',');
}

async function applyMessage(tx: Queryable, input: InboundInput, message: InboundMessage): Promise<string> {
  const { channel, now } = input;
  // §9.23: an echo of a message we sent is already stored under its id.
  if (message.echo && (await findMessageIdByProviderId(tx, channel.tenantId, channel.id, message.providerMessageId)) !== null) return 'ignored';
  const key = addressKey(channel.type, message.address);
  const conversation =
    input.lockedConversations?.get(conversationLockKey(channel.tenantId, channel.id, key)) ??
    (await lockConversationByKey(tx, channel.tenantId, channel.id, key));
  let customerId: number;
  let customerChange: 'created' | 'updated' | null = null;
  if (conversation) {
    customerId = conversation.customer_id;
    if (!message.echo && !conversation.customer_named) {
      const filled = await fillNamelessCustomer(tx, channel.tenantId, customerId, profileColumns(channel.type, message.address, message.profile), now);
      if (filled) customerChange = 'updated';
    }
  } else {
    const customer = await customerForAddress(tx, channel.tenantId, channel.type, message.address, message.echo ? NO_PROFILE : message.profile, now);
    customerId = customer.id;
    customerChange = customer.change;
  }
  // A message of the business from another app (an echo) is the platform's doing; the rest is the customer's.
  const actor = message.echo ? SYSTEM_ACTOR : customerActor(customerId);
  // The customer's row changed whether or not the message gets in (docs/events.md#who-writes-what).
  if (customerChange) recordEvents(tx, channel.tenantId, actor, now, { kind: 'customer', id: customerId, change: customerChange });
  if (!message.echo && !conversation) {
    // A newcomer is checked before anything is created for them.
    await lockChannelCustomer(tx, channel.tenantId, channel.id, customerId);
    const entryId = await stoppingEntry(tx, input, customerId, await readIngressState(tx, ingressTarget(input, customerId)));
    if (entryId !== null) return quarantine(tx, input, message, customerId, entryId);
  }
  const conversationId = conversation?.id ?? (await createConversation(tx, input, customerId, message.address, key, actor));
  const quotedMessageId =
    message.quotedProviderMessageId === null ? null : await findMessageIdByProviderId(tx, channel.tenantId, channel.id, message.quotedProviderMessageId);
  // A known conversation's customer (whose pair lock came with the conversation's) is checked inside the insert.
  const guard =
    !message.echo && conversation
      ? ingressGuard(ingressTarget(input, customerId), input.settings.flood.enabled ? input.settings.flood.max_messages : null)
      : null;
  const inserted = await insertProviderMessage(
    tx,
    { tenantId: channel.tenantId, id: conversationId, channelId: channel.id, provider: channel.type },
    {
      isCustomer: !message.echo,
      messageType: message.messageType,
      text: message.text,
      quotedMessageId,
      source: message.echo ? 'provider_app' : 'customer',
      providerMessageId: message.providerMessageId,
      providerTimestamp: message.providerTimestamp,
      extraMetadata: message.metadata,
      receivedAt: input.event.receivedAt,
    },
    now,
    guard,
  );
  const messageId = inserted.id;
  if (guard && messageId === null) {
    // Not stored: stopped by an entry or the flood limit, or a duplicate (then nothing stops it).
    const entryId = await stoppingEntry(tx, input, customerId, ingressState(inserted.guard));
    if (entryId !== null) return quarantine(tx, input, message, customerId, entryId);
  }
  if (messageId === null) return 'duplicate';
  recordEvents(
    tx,
    channel.tenantId,
    actor,
    now,
    { kind: 'message', id: messageId, change: 'created' },
    { kind: 'conversation', id: conversationId, change: 'updated' },
  );
  if (message.media) {
    await enqueue(tx, downloadMediaJob, { message_id: messageId, media: message.media }, { tenantId: channel.tenantId, runAt: now });
  }
  // docs/agent-runs.md#trigger-and-debounce: nothing at all when the channel's agent is off.
  if (!message.echo) {
    const debounceMs = input.settings.agent.debounce_seconds * 1000;
    await scheduleAgentRun(tx, { tenantId: channel.tenantId, agentMode: channel.agentMode }, conversationId, messageId, now, debounceMs);
  }
  return message.echo ? 'echo' : 'message';
}

async function createConversation(tx: Queryable, input: InboundInput, customerId: number, address: string, key: string, actor: EventActor): Promise<number> {
  const { channel } = input;
  const id = await insertConversation(tx, channel.tenantId, { channel, customerId, address, addressKey: key }, input.now);
  if (id === null) throw new ConversationRaced(`The conversation of ${key} was created meanwhile.`);
  recordEvents(tx, channel.tenantId, actor, input.now, { kind: 'conversation', id, change: 'created' });
  if (input.newConversations) input.newConversations.add(channel.tenantId, channel.type, id);
  else await countConversation(tx, channel.tenantId, channel.type, id, 1);
  return id;
}
