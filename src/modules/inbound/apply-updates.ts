import type { Queryable } from '../../platform/db/db.js';
import { formatTimestamp } from '../../platform/clock.js';
import type { InboundEdit, InboundReaction, InboundStatus, InboundWithdrawal } from './inbound-event.js';
import { advanceDeliveryStatus, lockMessageByProviderId, setMessageMetadata, updateCustomerMessage } from './inbound.repository.js';

type MessageUpdate = InboundStatus | InboundEdit | InboundReaction | InboundWithdrawal;

/**
 * The actions that change a stored message (docs/channels.md#processing-inbound-events): statuses of our outbound
 * messages, and the customer's edits, reactions and withdrawals. A provider id the channel never stored is ignored.
 */
export async function applyMessageUpdate(tx: Queryable, channel: { tenantId: number; id: number }, action: MessageUpdate, now: Date): Promise<string> {
  if (action.kind === 'status') {
    const moved = await advanceDeliveryStatus(tx, channel.tenantId, channel.id, action.providerMessageId, action.status, action.failureReason, now);
    return moved ? 'status' : 'ignored';
  }
  const target = await lockMessageByProviderId(tx, channel.tenantId, channel.id, action.providerMessageId);
  if (!target) return 'ignored';
  const metadata = { ...(target.extra_metadata ?? {}) };
  switch (action.kind) {
    case 'edit': {
      // Only the customer's own messages can be edited by the customer; `is_edited` stays for edits through the API.
      if (!target.is_customer) return 'ignored';
      metadata.previous_text = target.message;
      await updateCustomerMessage(
        tx,
        channel.tenantId,
        { id: target.id, conversationId: target.conversation_id, text: action.text, extraMetadata: metadata },
        now,
      );
      return 'edit';
    }
    case 'reaction': {
      // Providers keep one reaction per customer and message: a new one replaces it, an empty one removes it.
      metadata.reactions = action.emoji ? [{ emoji: action.emoji, at: formatTimestamp(action.at) }] : [];
      await setMessageMetadata(tx, channel.tenantId, target.id, metadata, now);
      return 'reaction';
    }
    case 'withdrawal': {
      if (!target.is_customer) return 'ignored';
      metadata.deleted_by_customer = true;
      await setMessageMetadata(tx, channel.tenantId, target.id, metadata, now);
      return 'withdrawal';
    }
  }
}
