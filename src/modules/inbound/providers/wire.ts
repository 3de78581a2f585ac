/**
 * Reading provider JSON that nobody has validated: every accessor answers null (or an empty list) for a missing or
 * mistyped field, so a parser never throws on odd input (docs/channels.md#what-each-event-means).
 */

export type Wire = Record<string, unknown>;

export function record(value: unknown): Wire | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Wire) : null;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A non-empty string; numbers are accepted as their decimal text (ids that a provider may send either way). */
export function text(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return null;
}

export function finiteNumber(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return null;
}

/** Provider ids go into unique keys and indexes: a sane length and no control characters. */
// eslint-disable-next-line no-control-regex -- the point: control characters are refused
const PROVIDER_ID = /^[^\u0000-\u001f\u007f]{1,512}$/;

export function providerId(value: unknown): string | null {
  const id = text(value);
  return id !== null && PROVIDER_ID.test(id) ? id : null;
}

/** A timestamp in seconds (WhatsApp, Telegram) or milliseconds (Instagram) since the epoch. */
export function epochDate(value: unknown, unit: 'seconds' | 'milliseconds'): Date | null {
  const number = finiteNumber(value);
  if (number === null || number <= 0) return null;
  const date = new Date(unit === 'seconds' ? number * 1000 : number);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "Ayşe Yılmaz Demir" → first "Ayşe", last "Yılmaz Demir" (split at the first space). */
export function splitName(name: string | null): { firstName: string | null; lastName: string | null } {
  const trimmed = name?.trim() ?? '';
  if (trimmed === '') return { firstName: null, lastName: null };
  const space = trimmed.indexOf(' ');
  if (space < 0) return { firstName: trimmed, lastName: null };
  return { firstName: trimmed.slice(0, space), lastName: trimmed.slice(space + 1).trim() || null };
}

export interface LocationFields {
  latitude: number;
  longitude: number;
  name: string | null;
  address: string | null;
}

/** `"<name>, <address> (<latitude>, <longitude>)"`, absent parts left out (docs/channels.md#message-types). */
export function locationText(location: LocationFields): string {
  const label = [location.name, location.address].filter((part): part is string => part !== null).join(', ');
  const point = `(${location.latitude}, ${location.longitude})`;
  return label === '' ? point : `${label} ${point}`;
}

/** `"<formatted name>: <phone>, <phone>"` (without phones: the name alone). */
export function contactText(contact: { name: string | null; phones: string[] }): string {
  const name = contact.name ?? '';
  if (contact.phones.length === 0) return name;
  return name === '' ? contact.phones.join(', ') : `${name}: ${contact.phones.join(', ')}`;
}

/** One event of a webhook delivery, as the webhook stores it (docs/channels.md#event-keys). */
export interface ProviderEvent {
  /** The channel's routing key: the phone number id, the Instagram account id (Telegram's URL names the channel). */
  routingKey: string;
  /** Unique per channel: a redelivered event is stored once. */
  eventKey: string;
  /** The customer's address; one customer's events are processed in receipt order. Null: nothing to order by. */
  address: string | null;
  /** What is stored as the event's payload and read back by the parser. */
  payload: Wire;
}
