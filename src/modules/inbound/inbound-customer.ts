import type { Queryable } from '../../platform/db/db.js';
import type { ChannelType } from '../channels/channel-types.js';
import { isPhoneLike, normalizePhone } from '../customers/phone.js';
import type { InboundProfile } from './inbound-event.js';
import { insertCustomerForConversation } from '../customers/customer.repository.js';
import { fillNamelessCustomer, findLiveCustomerByPhone, type ProfileColumns } from './inbound.repository.js';

/** The columns a provider profile fills (docs/channels.md#processing-inbound-events). */
export function profileColumns(channelType: ChannelType, address: string, profile: InboundProfile): ProfileColumns {
  const raw = profile.phone ?? (channelType === 'whatsapp' ? address : null);
  const phone = channelType === 'whatsapp' && raw !== null && isPhoneLike(raw) ? normalizePhone(raw, { international: true }).value : null;
  return { firstName: profile.firstName, lastName: profile.lastName, phone, avatarUrl: profile.avatarUrl, username: profile.username };
}

/**
 * §2 step 3a without a conversation: WhatsApp finds the tenant's live customer with the sender's E.164 phone
 * (its missing names filled in); otherwise a customer is created from the profile.
 */
export async function customerForAddress(
  tx: Queryable,
  tenantId: number,
  channelType: ChannelType,
  address: string,
  profile: InboundProfile,
  now: Date,
): Promise<{ id: number; change: 'created' | 'updated' | null }> {
  const columns = profileColumns(channelType, address, profile);
  const existing = columns.phone === null ? null : await findLiveCustomerByPhone(tx, tenantId, columns.phone);
  if (existing !== null) {
    const filled = await fillNamelessCustomer(tx, tenantId, existing, columns, now);
    return { id: existing, change: filled ? 'updated' : null };
  }
  return { id: await insertCustomerForConversation(tx, tenantId, columns, now), change: 'created' };
}
