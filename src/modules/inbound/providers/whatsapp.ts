import type { InboundAction, InboundMediaRef, InboundMessage, InboundStatus } from '../inbound-event.js';
import { contactText, epochDate, finiteNumber, list, locationText, providerId, record, splitName, text, type ProviderEvent, type Wire } from './wire.js';

/**
 * WhatsApp Cloud API webhooks (docs/channels.md#whatsapp). A delivery's `entry[].changes[].value` may hold several
 * messages and statuses; each is stored as its own event whose payload is that `value` narrowed to the one message
 * (with its sender's `contacts[]` entry) or the one status, so the stored JSON keeps Meta's shape.
 */

export const WHATSAPP_OBJECT = 'whatsapp_business_account';

const DIGITS = /^\d{1,32}$/;
const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;
const STATUSES = new Set<InboundStatus['status']>(['sent', 'delivered', 'read', 'failed']);

/** The `value` objects of the `messages` field, with their phone number id; other fields are not ours. */
function messageValues(body: Wire): { phoneNumberId: string; value: Wire }[] {
  const values: { phoneNumberId: string; value: Wire }[] = [];
  for (const entry of list(body.entry)) {
    for (const change of list(record(entry)?.changes)) {
      const changeRecord = record(change);
      const value = record(changeRecord?.value);
      const phoneNumberId = providerId(record(value?.metadata)?.phone_number_id);
      if (value && phoneNumberId && changeRecord?.field === 'messages') values.push({ phoneNumberId, value });
    }
  }
  return values;
}

/** Every phone number id the delivery names (all of them must verify its signature). */
export function whatsAppPhoneNumberIds(body: Wire): string[] {
  const ids = new Set<string>();
  for (const entry of list(body.entry)) {
    for (const change of list(record(entry)?.changes)) {
      const id = providerId(record(record(record(change)?.value)?.metadata)?.phone_number_id);
      if (id) ids.add(id);
    }
  }
  return [...ids];
}

/** What a delivery carries that is logged and ignored: changes of other fields, `value.errors[]`; null when nothing. */
export function whatsAppIgnoredParts(body: Wire): { fields: string[]; errors: number } | null {
  const fields = new Set<string>();
  let errors = 0;
  for (const entry of list(body.entry)) {
    for (const change of list(record(entry)?.changes)) {
      const field = text(record(change)?.field) ?? 'unknown';
      if (field !== 'messages') fields.add(field.slice(0, 64));
      errors += list(record(record(change)?.value)?.errors).length;
    }
  }
  return fields.size > 0 || errors > 0 ? { fields: [...fields].slice(0, 10), errors } : null;
}

/** Event keys `message:<wamid>` and `status:<wamid>:<status>` (docs/channels.md#event-keys). */
export function splitWhatsAppDelivery(body: Wire): ProviderEvent[] {
  const events: ProviderEvent[] = [];
  for (const { phoneNumberId, value } of messageValues(body)) {
    const envelope = { messaging_product: value.messaging_product, metadata: value.metadata };
    for (const item of list(value.messages)) {
      const message = record(item);
      const id = providerId(message?.id);
      const from = text(message?.from);
      if (!message || !id || !from || !DIGITS.test(from)) continue;
      const contact = list(value.contacts).find((candidate) => text(record(candidate)?.wa_id) === from);
      events.push({
        routingKey: phoneNumberId,
        eventKey: `message:${id}`,
        address: `+${from}`,
        payload: { ...envelope, contacts: contact ? [contact] : [], messages: [message] },
      });
    }
    for (const item of list(value.statuses)) {
      const status = record(item);
      const id = providerId(status?.id);
      const state = providerId(status?.status);
      if (!status || !id || !state) continue;
      const recipient = text(status.recipient_id);
      events.push({
        routingKey: phoneNumberId,
        eventKey: `status:${id}:${state}`,
        address: recipient && DIGITS.test(recipient) ? `+${recipient}` : null,
        payload: { ...envelope, statuses: [status] },
      });
    }
  }
  return events;
}

function mediaRef(media: Wire | null): InboundMediaRef | null {
  const mediaId = providerId(media?.id);
  if (!mediaId) return null;
  return { source: 'whatsapp', mediaId, mimeType: text(media?.mime_type), filename: text(media?.filename) };
}

type Content = Pick<InboundMessage, 'messageType' | 'text' | 'metadata' | 'media'>;

function unsupported(providerType: string): Content {
  return { messageType: 'unsupported', text: null, metadata: { provider_type: providerType }, media: null };
}

function location(message: Wire): Content {
  const place = record(message.location);
  const latitude = finiteNumber(place?.latitude);
  const longitude = finiteNumber(place?.longitude);
  if (latitude === null || longitude === null) return unsupported('location');
  const fields = { latitude, longitude, name: text(place?.name), address: text(place?.address) };
  return { messageType: 'location', text: locationText(fields), metadata: { location: fields }, media: null };
}

function contactCard(card: unknown): Content {
  const fields = record(card);
  const name = record(fields?.name);
  const formatted = text(name?.formatted_name) ?? ([text(name?.first_name), text(name?.last_name)].filter(Boolean).join(' ') || null);
  const phones = list(fields?.phones)
    .map((phone) => text(record(phone)?.phone) ?? (text(record(phone)?.wa_id) ? `+${text(record(phone)?.wa_id)}` : null))
    .filter((phone): phone is string => phone !== null);
  const contact = { name: formatted, phones };
  return { messageType: 'contact', text: contactText(contact), metadata: { contact }, media: null };
}

/** What one message says; `contacts` may carry several cards, which become one message each. */
function contents(message: Wire, type: string): Content[] {
  switch (type) {
    case 'text':
      return [{ messageType: 'text', text: text(record(message.text)?.body), metadata: {}, media: null }];
    case 'location':
      return [location(message)];
    case 'contacts': {
      const cards = list(message.contacts);
      return cards.length > 0 ? cards.map(contactCard) : [unsupported('contacts')];
    }
    case 'interactive': {
      const interactive = record(message.interactive);
      const title = text(record(interactive?.button_reply)?.title) ?? text(record(interactive?.list_reply)?.title);
      return [title === null ? unsupported('interactive') : { messageType: 'text', text: title, metadata: {}, media: null }];
    }
    case 'button': {
      const label = text(record(message.button)?.text) ?? text(record(message.button)?.payload);
      return [label === null ? unsupported('button') : { messageType: 'text', text: label, metadata: {}, media: null }];
    }
  }
  if ((MEDIA_TYPES as readonly string[]).includes(type)) {
    const media = record(message[type]);
    const reference = mediaRef(media);
    if (!reference) return [unsupported(type)];
    return [{ messageType: type as (typeof MEDIA_TYPES)[number], text: text(media?.caption), metadata: {}, media: reference }];
  }
  return [unsupported(type)];
}

function parseMessage(value: Wire, message: Wire): InboundAction[] {
  const id = providerId(message.id);
  const from = text(message.from);
  if (!id || !from || !DIGITS.test(from)) return [];
  const address = `+${from}`;
  const providerTimestamp = epochDate(message.timestamp, 'seconds');
  const type = text(message.type) ?? 'unknown';
  if (type === 'reaction') {
    const reaction = record(message.reaction);
    const target = providerId(reaction?.message_id);
    if (!target || !providerTimestamp) return [];
    return [{ kind: 'reaction', address, providerMessageId: target, emoji: text(reaction?.emoji), at: providerTimestamp }];
  }
  const contacts = list(value.contacts);
  const contact = record(contacts.find((candidate) => text(record(candidate)?.wa_id) === from) ?? (contacts.length === 1 ? contacts[0] : null));
  const profile = { ...splitName(text(record(contact?.profile)?.name)), username: null, phone: address, avatarUrl: null };
  const quotedProviderMessageId = providerId(record(message.context)?.id);
  return contents(message, type).map((content, index) => ({
    kind: 'message',
    address,
    profile,
    // docs/channels.md#event-keys: further cards of one contacts message are `<wamid>#1`, `<wamid>#2` …
    providerMessageId: index === 0 ? id : `${id}#${index}`,
    providerTimestamp,
    quotedProviderMessageId,
    echo: false,
    ...content,
  }));
}

function parseStatus(status: Wire): InboundAction[] {
  const id = providerId(status.id);
  const state = text(status.status) as InboundStatus['status'] | null;
  if (!id || !state || !STATUSES.has(state)) return [];
  let failureReason: string | null = null;
  if (state === 'failed') {
    const error = record(list(status.errors)[0]);
    const code = text(error?.code);
    const title = text(error?.title) ?? text(error?.message);
    failureReason = code && title ? `${code}: ${title}` : (title ?? code);
  }
  return [{ kind: 'status', providerMessageId: id, status: state, failureReason }];
}

/** One stored event (a `value` narrowed to one message or status) → what it means. */
export function parseWhatsAppEvent(payload: unknown): InboundAction[] {
  const value = record(payload);
  if (!value) return [];
  const actions: InboundAction[] = [];
  for (const message of list(value.messages)) if (record(message)) actions.push(...parseMessage(value, record(message)!));
  for (const status of list(value.statuses)) if (record(status)) actions.push(...parseStatus(record(status)!));
  return actions;
}
