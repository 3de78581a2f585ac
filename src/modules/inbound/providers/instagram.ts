import type { InboundAction, InboundMessage } from '../inbound-event.js';
import { epochDate, list, providerId, record, text, type ProviderEvent, type Wire } from './wire.js';

/**
 * Instagram messaging webhooks (docs/channels.md#instagram). Each `entry[].messaging[]` item is one event, stored
 * as Meta sent it. Event keys: `message:<mid>` (new messages and echoes), `deleted:<mid>` (a withdrawal, never
 * de-duplicated against its original), `postback:<mid>`, `read:<mid>`.
 */

export const INSTAGRAM_OBJECT = 'instagram';

/** Attachment types stored as files, with the message type they become. */
const FILE_TYPES: Record<string, InboundMessage['messageType']> = { image: 'image', video: 'video', audio: 'audio', file: 'document' };
/** Attachment types that become a text message carrying their link. */
const LINK_TYPES = new Set(['share', 'story_mention', 'ig_reel', 'reel']);

/** Every account id the delivery names (all of them must verify its signature). */
export function instagramAccountIds(body: Wire): string[] {
  const ids = new Set<string>();
  for (const entry of list(body.entry)) {
    const id = providerId(record(entry)?.id);
    if (id) ids.add(id);
  }
  return [...ids];
}

/** The event key and customer of one `messaging[]` item, or null when it is none of the kinds we handle. */
function classify(item: Wire): { eventKey: string; address: string | null } | null {
  const sender = providerId(record(item.sender)?.id);
  const message = record(item.message);
  if (message) {
    const mid = providerId(message.mid);
    if (!mid) return null;
    // An echo is a message the business sent: its customer is the recipient.
    const address = message.is_echo === true ? providerId(record(item.recipient)?.id) : sender;
    return { eventKey: `${message.is_deleted === true ? 'deleted' : 'message'}:${mid}`, address };
  }
  const postback = providerId(record(item.postback)?.mid);
  if (postback) return { eventKey: `postback:${postback}`, address: sender };
  const read = providerId(record(item.read)?.mid);
  if (read) return { eventKey: `read:${read}`, address: sender };
  return null;
}

export function splitInstagramDelivery(body: Wire): ProviderEvent[] {
  const events: ProviderEvent[] = [];
  for (const entry of list(body.entry)) {
    const accountId = providerId(record(entry)?.id);
    if (!accountId) continue;
    for (const candidate of list(record(entry)?.messaging)) {
      const item = record(candidate);
      const kind = item && classify(item);
      if (item && kind) events.push({ routingKey: accountId, eventKey: kind.eventKey, address: kind.address, payload: item });
    }
  }
  return events;
}

type Content = Pick<InboundMessage, 'messageType' | 'text' | 'metadata' | 'media'>;

function unsupported(providerType: string): Content {
  return { messageType: 'unsupported', text: null, metadata: { provider_type: providerType }, media: null };
}

function attachmentContent(attachment: Wire, caption: string | null): Content {
  const type = text(attachment.type) ?? 'unknown';
  const payload = record(attachment.payload);
  const url = text(payload?.url);
  const fileType = FILE_TYPES[type];
  if (fileType && url) return { messageType: fileType, text: caption, metadata: {}, media: { source: 'url', url, mimeType: null, filename: null } };
  if (LINK_TYPES.has(type) && url) return { messageType: 'text', text: caption ? `${caption}\n${url}` : url, metadata: {}, media: null };
  return unsupported(type);
}

/** A new message or an echo: one message per attachment (`<mid>`, then `<mid>#1` …, docs/channels.md#event-keys). */
function messageActions(item: Wire, message: Wire, mid: string, address: string): InboundAction[] {
  const body = text(message.text);
  const attachments = list(message.attachments)
    .map(record)
    .filter((attachment): attachment is Wire => attachment !== null);
  let contents: Content[];
  if (message.is_unsupported === true) contents = [unsupported('unsupported')];
  else if (attachments.length > 0) contents = attachments.map((attachment, index) => attachmentContent(attachment, index === 0 ? body : null));
  else if (body !== null) contents = [{ messageType: 'text', text: body, metadata: {}, media: null }];
  else contents = [unsupported('message')];
  const base = {
    kind: 'message' as const,
    address,
    // The profile is fetched by processing (docs/channels.md#instagram); the webhook carries only the IGSID.
    profile: { firstName: null, lastName: null, username: null, phone: null, avatarUrl: null },
    providerTimestamp: epochDate(item.timestamp, 'milliseconds'),
    quotedProviderMessageId: providerId(record(message.reply_to)?.mid),
    echo: message.is_echo === true,
  };
  return contents.map((content, index) => ({ ...base, providerMessageId: index === 0 ? mid : `${mid}#${index}`, ...content }));
}

/** One stored `messaging[]` item → what it means. */
export function parseInstagramEvent(payload: unknown): InboundAction[] {
  const item = record(payload);
  const kind = item && classify(item);
  if (!item || !kind) return [];
  const read = record(item.read);
  if (kind.eventKey.startsWith('read:')) return [{ kind: 'status', providerMessageId: providerId(read?.mid)!, status: 'read', failureReason: null }];
  const { address } = kind;
  if (!address) return [];
  const message = record(item.message);
  if (message) {
    const mid = providerId(message.mid)!;
    if (message.is_deleted === true) return [{ kind: 'withdrawal', address, providerMessageId: mid }];
    return messageActions(item, message, mid, address);
  }
  const postback = record(item.postback)!;
  return [
    {
      kind: 'message',
      address,
      profile: { firstName: null, lastName: null, username: null, phone: null, avatarUrl: null },
      providerMessageId: providerId(postback.mid)!,
      providerTimestamp: epochDate(item.timestamp, 'milliseconds'),
      messageType: 'text',
      text: text(postback.title) ?? text(postback.payload),
      quotedProviderMessageId: null,
      metadata: {},
      media: null,
      echo: false,
    },
  ];
}
