import type { Queryable } from '../../platform/db/db.js';
import type { ChannelType } from '../channels/channel-types.js';
import { lastCustomerMessageAt } from '../messages/message.repository.js';

const WINDOW_MS = 24 * 3600 * 1000;

export interface ReplyWindow {
  channelType: ChannelType;
  isOpen: boolean;
  lastCustomerMessageAt: Date | null;
  closesAt: Date | null;
}

/**
 * The 24-hour reply window (docs/domain-rules.md#channels): on WhatsApp and Instagram it runs from the receipt time of
 * the latest customer message (deleted or not) and is open while now < that + 24 h; without a customer message it is
 * closed. Telegram and website conversations have no window: always open, no closing time.
 */
export async function replyWindow(db: Queryable, conversation: { tenant_id: number; id: number; channel_type: ChannelType }, now: Date): Promise<ReplyWindow> {
  const latest = await lastCustomerMessageAt(db, conversation.tenant_id, conversation.id);
  const channelType = conversation.channel_type;
  if (channelType !== 'whatsapp' && channelType !== 'instagram') {
    return { channelType, isOpen: true, lastCustomerMessageAt: latest, closesAt: null };
  }
  const closesAt = latest ? new Date(latest.getTime() + WINDOW_MS) : null;
  return { channelType, isOpen: closesAt !== null && now.getTime() < closesAt.getTime(), lastCustomerMessageAt: latest, closesAt };
}
