import type { Queryable } from '../../platform/db/db.js';
import { formatTimestamp } from '../../platform/clock.js';
import type { InboundEdit, InboundReaction, InboundStatus, InboundWithdrawal } from './inbound-event.js';
import { advanceDeliveryStatus, lockMessageByProviderId, setMessageMetadata, updateCustomerMessage, type ProviderMessageRow } from './inbound.repository.js';
import { recordEvents } from '../events/event-recorder.js';
import { customerActor, SYSTEM_ACTOR } from '../events/event-types.js';

type MessageUpdate = InboundStatus | InboundEdit | InboundReaction | InboundWithdrawal;

/**
 * The actions that change a stored message (docs/channels.md#processing-inbound-events): statuses of our outbound
 * messages, and the customer's edits, reactions and withdrawals. A provider id the channel never stored is ignored.
 */
export async function applyMessageUpdate(tx: Queryable, channel: { tenantId: number; id: number }, action: MessageUpdate, now: Date): Promise<string> {
  if (action.kind === 'status') {
    const moved = await advanceDeliveryStatus(tx, channel.tenantId, channel.id, action.providerMessageId, action.status, action.failureReason, now);
    if (moved === null) return 'ignored';
    recordEvents(tx, channel.tenantId, SYSTEM_ACTOR, now, { kind: 'message', id: moved, change: 'delivery_status_changed' });
    return 'status';
  }
  const target = await lockMessageByProviderId(tx, channel.tenantId, channel.id, action.providerMessageId);
  if (!target) return 'ignored';
  const outcome = await applyCustomerUpdate(tx, channel, target, action, now);
  if (outcome.changed) {
    const actor = customerActor(Number(target.customer_id));
    recordEvents(tx, channel.tenantId, actor, now, { kind: 'message', id: target.id, change: 'updated' });
    if (outcome.previewMoved) recordEvents(tx, channel.tenantId, actor, now, { kind: 'conversation', id: target.conversation_id, change: 'updated' });
  }
  return outcome.word;
}

/** What a customer's edit, reaction or withdrawal did to the message. */
async function applyCustomerUpdate(
  tx: Queryable,
  channel: { tenantId: number; id: number },
  target: ProviderMessageRow,
  action: Exclude<MessageUpdate, InboundStatus>,
  now: Date,
): Promise<{ word: string; changed: boolean; previewMoved?: boolean }> {
  const metadata = { ...(target.extra_metadata ?? {}) };
  switch (action.kind) {
    case 'edit': {
      // Only the customer's own messages can be edited by the customer; `is_edited` stays for edits through the API.
      if (!target.is_customer) return { word: 'ignored', changed: false };
      metadata.previous_text = target.message;
      const { previewMoved } = await updateCustomerMessage(
        tx,
        channel.tenantId,
        { id: target.id, conversationId: target.conversation_id, text: action.text, extraMetadata: metadata },
        now,
      );
      return { word: 'edit', changed: true, previewMoved };
    }
    case 'reaction': {
      // Providers keep one reaction per customer and message: a new one replaces it, an empty one removes it.
      metadata.reactions = action.emoji ? [{ emoji: action.emoji, at: formatTimestamp(action.at) }] : [];
      await setMessageMetadata(tx, channel.tenantId, target.id, metadata, now);
      return { word: 'reaction', changed: true };
    }
    case 'withdrawal': {
      if (!target.is_customer) return { word: 'ignored', changed: false };
      metadata.deleted_by_customer = true;
      await setMessageMetadata(tx, channel.tenantId, target.id, metadata, now);
      return { word: 'withdrawal', changed: true };
    }
  }
}
