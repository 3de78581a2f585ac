import type { Db, Queryable } from '../../platform/db/db.js';
import { isUniqueViolation } from '../../platform/db/db.js';
import { digitsOf, isPhoneLike, normalizePhone } from '../customers/phone.js';
import type { ChannelType } from '../channels/channel-types.js';
import { fillCustomerNamesByPhone, insertCustomerForConversation } from '../customers/customer.repository.js';
import type { Actor } from './actor.js';
import { recordEvents } from '../events/event-recorder.js';
import { requestActor } from '../events/event-types.js';
import { countConversation, findConversationIdByAddressKey, insertConversation } from './conversation.repository.js';

export interface StartConversationInput {
  channelId: number;
  address: string;
  firstName: string | null;
  lastName: string | null;
}

/** One conversation per (channel, address key): on WhatsApp, addresses with digits compare by their digits. */
export function addressKey(channelType: ChannelType, address: string): string {
  const digits = digitsOf(address);
  return channelType === 'whatsapp' && digits !== '' ? digits : address;
}

class ConversationAlreadyExists extends Error {}

/** Finds the live customer with this phone (filling null names) or creates one; returns its id and what changed. */
async function customerFor(
  tx: Queryable,
  tenantId: number,
  channelType: ChannelType,
  input: StartConversationInput,
  now: Date,
): Promise<{ id: number; change: 'created' | 'updated' | null }> {
  const phone = channelType === 'whatsapp' && isPhoneLike(input.address) ? normalizePhone(input.address, { international: true }).value : null;
  const existing = phone ? await fillCustomerNamesByPhone(tx, tenantId, phone, input.firstName, input.lastName, now) : null;
  if (existing) return { id: existing.id, change: existing.filled ? 'updated' : null };
  return { id: await insertCustomerForConversation(tx, tenantId, { firstName: input.firstName, lastName: input.lastName, phone }, now), change: 'created' };
}

/**
 * POST /conversations (docs/domain-rules.md#conversations): returns the existing conversation of (channel, address) or
 * creates customer and conversation in one transaction. Concurrent calls converge on one conversation.
 */
export async function startConversation(
  db: Db,
  tenantId: number,
  channel: { id: number; type: ChannelType },
  input: StartConversationInput,
  actor: Actor,
  now: Date,
): Promise<{ conversationId: number; created: boolean }> {
  const key = addressKey(channel.type, input.address);
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        const existing = await findConversationIdByAddressKey(tx, tenantId, channel.id, key);
        if (existing !== null) return { conversationId: existing, created: false };
        const customer = await customerFor(tx, tenantId, channel.type, input, now);
        const conversationId = await insertConversation(tx, tenantId, { channel, customerId: customer.id, address: input.address, addressKey: key }, now);
        // Another request created it meanwhile: undo our customer and answer with theirs.
        if (conversationId === null) throw new ConversationAlreadyExists();
        await countConversation(tx, tenantId, channel.type, conversationId, 1);
        recordEvents(tx, tenantId, requestActor(actor), now, { kind: 'conversation', id: conversationId, change: 'created' });
        if (customer.change) recordEvents(tx, tenantId, requestActor(actor), now, { kind: 'customer', id: customer.id, change: customer.change });
        return { conversationId, created: true };
      });
    } catch (error) {
      const raced = error instanceof ConversationAlreadyExists || isUniqueViolation(error);
      if (!raced || attempt >= 3) throw error;
    }
  }
}
