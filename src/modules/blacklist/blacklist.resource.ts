import { formatTimestamp } from '../../platform/clock.js';
import { remainingTime } from './remaining-time.js';
import { boolean, enumOf, freeObject, integer, nullable, object, string, timestamp } from '../../http/openapi-schemas.js';

export const BLACKLIST_REASON_LABELS = {
  rate_limit: 'Rate limit',
  llm_spam: 'LLM spam',
  manual: 'Manual',
  security_threat: 'Security threat',
  abusive_language: 'Abusive language',
} as const;

export type BlacklistReason = keyof typeof BLACKLIST_REASON_LABELS;
export const BLACKLIST_REASONS = Object.keys(BLACKLIST_REASON_LABELS) as BlacklistReason[];

/**
 * docs/domain-rules.md#channel-blacklist: an entry blocks while switched on, not deleted and not expired; it stops exactly at
 * `expires_at`. SQL readers use `activeEntryCondition` (blacklist.repository.ts), the same rule.
 */
export function isEntryActive(entry: { is_active: boolean; expires_at: Date | null; deleted_at: Date | null }, now: Date): boolean {
  return entry.is_active && entry.deleted_at === null && !isEntryExpired(entry.expires_at, now);
}

export function isEntryExpired(expiresAt: Date | null, now: Date): boolean {
  return expiresAt !== null && expiresAt.getTime() <= now.getTime();
}

/** What the serializer needs: the entry plus the channel and customer summaries, loaded by the finder. */
export interface BlacklistView {
  id: number;
  tenant_id: number;
  reason: BlacklistReason;
  note: string | null;
  blocked_at: Date;
  expires_at: Date | null;
  is_active: boolean;
  metadata: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  channel: { id: number; name: string; address: string };
  customer: { id: number; first_name: string | null; last_name: string | null; phone_number: string | null; email: string | null };
}

export const blacklistSchema = object({
  id: integer,
  tenant_id: integer,
  reason: enumOf(BLACKLIST_REASONS),
  reason_label: string,
  note: nullable(string),
  blocked_at: timestamp,
  expires_at: nullable(timestamp),
  is_active: boolean,
  is_permanent: boolean,
  is_expired: boolean,
  remaining_time: nullable({ type: 'string', example: '2 hours 5 minutes' }),
  metadata: freeObject(),
  created_at: timestamp,
  updated_at: timestamp,
  deleted_at: nullable(timestamp),
  channel: object({ id: integer, name: string, address: string }),
  customer: object({ id: integer, first_name: nullable(string), last_name: nullable(string), phone_number: nullable(string), email: nullable(string) }),
});

/** ChannelBlacklistResource (docs/domain-rules.md#channel-blacklist); derived fields are computed from the clock at read time. */
export function blacklistResource(entry: BlacklistView, now: Date) {
  return {
    id: entry.id,
    tenant_id: entry.tenant_id,
    reason: entry.reason,
    reason_label: BLACKLIST_REASON_LABELS[entry.reason],
    note: entry.note,
    blocked_at: formatTimestamp(entry.blocked_at),
    expires_at: formatTimestamp(entry.expires_at),
    is_active: entry.is_active,
    is_permanent: entry.expires_at === null,
    is_expired: isEntryExpired(entry.expires_at, now),
    remaining_time: remainingTime(entry.expires_at, now),
    metadata: entry.metadata && Object.keys(entry.metadata).length > 0 ? entry.metadata : {},
    created_at: formatTimestamp(entry.created_at),
    updated_at: formatTimestamp(entry.updated_at),
    deleted_at: formatTimestamp(entry.deleted_at),
    channel: { id: entry.channel.id, name: entry.channel.name, address: entry.channel.address },
    customer: {
      id: entry.customer.id,
      first_name: entry.customer.first_name,
      last_name: entry.customer.last_name,
      phone_number: entry.customer.phone_number,
      email: entry.customer.email,
    },
  };
}
