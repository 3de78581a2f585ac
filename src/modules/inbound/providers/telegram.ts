import type { InboundAction, InboundMediaRef, InboundMessage } from '../inbound-event.js';
import { contactText, epochDate, finiteNumber, locationText, providerId, record, text, type Wire } from './wire.js';

/**
 * Telegram Bot API updates (docs/channels.md#telegram). The whole update is one event (`update:<update_id>`); only
 * `message` and `edited_message` of private chats mean something, every other update is stored and ignored.
 *
 * Telegram numbers messages per chat, so the provider message id is `<chat id>:<message_id>`: unique per channel
 * (the bot), as the messages' unique provider id requires.
 */

type Content = Pick<InboundMessage, 'messageType' | 'text' | 'metadata' | 'media'>;

/** The private chat of a message or edited message: the customer's address. */
function privateChat(message: Wire | null): string | null {
  const chat = record(message?.chat);
  if (!chat || chat.type !== 'private') return null;
  const id = finiteNumber(chat.id);
  return id !== null && Number.isSafeInteger(id) ? String(id) : null;
}

/** The update's id, when it is one (its event key is `update:<update_id>`). */
export function telegramUpdateId(update: Wire): string | null {
  const id = update.update_id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? String(id) : null;
}

/** The customer an update is about, for ordering; null for updates we ignore. */
export function telegramUpdateAddress(update: Wire): string | null {
  return privateChat(record(update.message)) ?? privateChat(record(update.edited_message));
}

/** Keys of a message that describe it rather than carry its content. */
const ENVELOPE_KEYS = new Set([
  'message_id',
  'message_thread_id',
  'from',
  'sender_chat',
  'sender_boost_count',
  'sender_business_bot',
  'date',
  'business_connection_id',
  'chat',
  'forward_origin',
  'forward_from',
  'forward_from_chat',
  'forward_from_message_id',
  'forward_signature',
  'forward_sender_name',
  'forward_date',
  'is_topic_message',
  'is_automatic_forward',
  'reply_to_message',
  'external_reply',
  'quote',
  'reply_to_story',
  'via_bot',
  'edit_date',
  'has_protected_content',
  'is_from_offline',
  'media_group_id',
  'author_signature',
  'entities',
  'caption_entities',
  'link_preview_options',
  'effect_id',
  'show_caption_above_media',
  'has_media_spoiler',
  'reply_markup',
  'caption',
]);

function file(value: unknown, fallbackMime: string | null = null): InboundMediaRef | null {
  const fields = record(value);
  const fileId = providerId(fields?.file_id);
  if (!fileId) return null;
  return { source: 'telegram', fileId, mimeType: text(fields?.mime_type) ?? fallbackMime, filename: text(fields?.file_name) };
}

/** The largest size of a photo: Telegram lists them smallest first, but compare rather than trust the order. */
function largestPhoto(sizes: unknown[]): InboundMediaRef | null {
  let best: Wire | null = null;
  let bestArea = -1;
  for (const size of sizes) {
    const fields = record(size);
    const area = (finiteNumber(fields?.width) ?? 0) * (finiteNumber(fields?.height) ?? 0) || (finiteNumber(fields?.file_size) ?? 0);
    if (fields && providerId(fields.file_id) && area >= bestArea) [best, bestArea] = [fields, area];
  }
  return best ? file(best, 'image/jpeg') : null;
}

function stickerMime(sticker: Wire | null): string {
  if (sticker?.is_animated === true) return 'application/x-tgsticker';
  return sticker?.is_video === true ? 'video/webm' : 'image/webp';
}

function media(messageType: InboundMessage['messageType'], reference: InboundMediaRef | null, caption: string | null, providerType: string): Content {
  if (!reference) return { messageType: 'unsupported', text: null, metadata: { provider_type: providerType }, media: null };
  return { messageType, text: caption, metadata: {}, media: reference };
}

function content(message: Wire): Content {
  const caption = text(message.caption);
  const body = text(message.text);
  if (body !== null) return { messageType: 'text', text: body, metadata: {}, media: null };
  if (Array.isArray(message.photo)) return media('image', largestPhoto(message.photo), caption, 'photo');
  if (message.sticker !== undefined) return media('sticker', file(message.sticker, stickerMime(record(message.sticker))), null, 'sticker');
  if (message.document !== undefined) return media('document', file(message.document), caption, 'document');
  if (message.video !== undefined) return media('video', file(message.video), caption, 'video');
  if (message.video_note !== undefined) return media('video', file(message.video_note, 'video/mp4'), caption, 'video_note');
  if (message.audio !== undefined) return media('audio', file(message.audio), caption, 'audio');
  if (message.voice !== undefined) return media('audio', file(message.voice, 'audio/ogg'), caption, 'voice');
  const venue = record(message.venue);
  const place = record(message.location) ?? record(venue?.location);
  if (place) {
    const latitude = finiteNumber(place.latitude);
    const longitude = finiteNumber(place.longitude);
    if (latitude !== null && longitude !== null) {
      const location = { latitude, longitude, name: text(venue?.title), address: text(venue?.address) };
      return { messageType: 'location', text: locationText(location), metadata: { location }, media: null };
    }
  }
  const card = record(message.contact);
  if (card) {
    const name = [text(card.first_name), text(card.last_name)].filter(Boolean).join(' ') || null;
    const phone = text(card.phone_number);
    const contact = { name, phones: phone ? [phone] : [] };
    return { messageType: 'contact', text: contactText(contact), metadata: { contact }, media: null };
  }
  const providerType = Object.keys(message).find((key) => !ENVELOPE_KEYS.has(key)) ?? 'unknown';
  return { messageType: 'unsupported', text: null, metadata: { provider_type: providerType }, media: null };
}

function messageId(address: string, message: Wire | null): string | null {
  const id = finiteNumber(message?.message_id);
  return id !== null && Number.isSafeInteger(id) ? `${address}:${id}` : null;
}

/** One stored update → what it means (nothing for other chats and other kinds of update). */
export function parseTelegramEvent(payload: unknown): InboundAction[] {
  const update = record(payload);
  if (!update) return [];
  const edited = record(update.edited_message);
  const editedAddress = privateChat(edited);
  if (edited && editedAddress && !update.message) {
    const providerMessageId = messageId(editedAddress, edited);
    return providerMessageId ? [{ kind: 'edit', address: editedAddress, providerMessageId, text: text(edited.text) ?? text(edited.caption) }] : [];
  }
  const message = record(update.message);
  const address = privateChat(message);
  const providerMessageId = address && messageId(address, message);
  if (!message || !address || !providerMessageId) return [];
  const from = record(message.from);
  return [
    {
      kind: 'message',
      address,
      profile: { firstName: text(from?.first_name), lastName: text(from?.last_name), username: text(from?.username), phone: null, avatarUrl: null },
      providerMessageId,
      providerTimestamp: epochDate(message.date, 'seconds'),
      quotedProviderMessageId: messageId(address, record(message.reply_to_message)),
      echo: false,
      ...content(message),
    },
  ];
}
