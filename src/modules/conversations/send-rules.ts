import type { Queryable } from '../../platform/db/db.js';
import { AppError } from '../../platform/errors.js';
import { formatTimestamp } from '../../platform/clock.js';
import type { ConversationRecord } from './conversation.repository.js';
import { replyWindow } from './reply-window.js';

const PROVIDER_NAMES = { whatsapp: 'WhatsApp', instagram: 'Instagram' } as const;

function refuse(code: 'channel_inactive' | 'reply_window_closed', message: string): AppError {
  return new AppError(code, message, { errors: { message: [message] } });
}

/**
 * Step 10 rules of every send (docs/jobs-and-delivery.md#delivery, docs/domain-rules.md#channels): the channel must be switched on, and WhatsApp and
 * Instagram only accept free-form messages within 24 hours of the customer's latest message.
 */
export async function assertCanSend(tx: Queryable, conversation: ConversationRecord, now: Date): Promise<void> {
  if (!conversation.channel_is_active) throw refuse('channel_inactive', 'This channel is switched off.');
  const type = conversation.channel_type;
  if (type !== 'whatsapp' && type !== 'instagram') return;
  const window = await replyWindow(tx, conversation, now);
  if (window.isOpen) return;
  const provider = PROVIDER_NAMES[type];
  if (!window.closesAt) throw refuse('reply_window_closed', `This ${provider} conversation has no open reply window. The customer has to write first.`);
  throw refuse(
    'reply_window_closed',
    `The 24-hour reply window of this ${provider} conversation closed at ${formatTimestamp(window.closesAt)}. The customer has to write first.`,
  );
}
