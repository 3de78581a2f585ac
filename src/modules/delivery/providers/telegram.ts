import type { ChannelAdapter, DeliveryOutcome, OutboundDelivery } from '../channel-adapter.js';
import { PermanentDeliveryError } from '../channel-adapter.js';
import {
  callProvider,
  capRetryAfter,
  classify,
  fileBytes,
  httpReason,
  retryAfterSeconds,
  sendParts,
  type ProviderAnswer,
  type ProviderDeps,
} from './provider-http.js';

/** Telegram's limits: a text message and a media caption, in characters. */
export const TELEGRAM_TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);

/**
 * Splits a text into pieces of at most `limit` characters (code points, so no surrogate pair is cut), at the last
 * line break or space of a piece when there is one in its second half.
 */
export function splitText(text: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  const chars = Array.from(text);
  const pieces: string[] = [];
  let start = 0;
  while (chars.length - start > limit) {
    let end = start + limit;
    for (let i = end; i > start + limit / 2; i--) {
      if (chars[i - 1] === '\n' || chars[i - 1] === ' ') {
        end = i;
        break;
      }
    }
    pieces.push(chars.slice(start, end).join(''));
    start = end;
  }
  pieces.push(chars.slice(start).join(''));
  return pieces;
}

/** A chat id is sent as a number (Telegram's own form); anything else (an `@username`) as given, for Telegram to refuse. */
function chatId(address: string): number | string {
  return /^-?[0-9]{1,15}$/.test(address) ? Number(address) : address;
}

/**
 * Telegram Bot API (docs/jobs-and-delivery.md#adapters): `sendMessage`, a text over 4096 characters as several
 * messages; `sendPhoto` for images and `sendDocument` for other files, multipart with the text as `caption`. The
 * provider id is `<chat id>:<message_id>` of the first message, as inbound Telegram ids are stored.
 */
export class TelegramAdapter implements ChannelAdapter {
  readonly name = 'telegram';

  constructor(private readonly deps: ProviderDeps) {}

  async send(delivery: OutboundDelivery): Promise<DeliveryOutcome> {
    const { file, text } = delivery;
    const quoted = delivery.quotedProviderMessageId;
    // Stored Telegram ids are `<chat id>:<message_id>` (Telegram numbers messages per chat); the API wants the number.
    const quotedNumber = quoted ? /^(?:-?[0-9]{1,20}:)?([0-9]{1,15})$/.exec(quoted)?.[1] : undefined;
    const reply = quotedNumber ? { reply_parameters: { message_id: Number(quotedNumber) } } : {};
    const parts: Array<() => Promise<string>> = [];
    let rest = text ?? '';
    if (file) {
      // A caption longer than Telegram's limit follows the file as text instead.
      const caption = rest !== '' && Array.from(rest).length <= CAPTION_LIMIT ? rest : null;
      if (caption !== null) rest = '';
      parts.push(() => this.sendFile(delivery, caption, reply));
    }
    if (rest !== '') {
      for (const piece of splitText(rest)) {
        const quoting = parts.length === 0 ? reply : {};
        parts.push(() => this.call(delivery, 'sendMessage', JSON.stringify({ chat_id: chatId(delivery.to), text: piece, ...quoting })));
      }
    }
    if (parts.length === 0) throw new PermanentDeliveryError('The message has neither text nor a file.');
    return { status: 'sent', providerMessageId: await sendParts(parts) };
  }

  private async sendFile(delivery: OutboundDelivery, caption: string | null, reply: object): Promise<string> {
    const file = delivery.file!;
    const photo = PHOTO_TYPES.has(file.mimeType.toLowerCase());
    const field = photo ? 'photo' : 'document';
    const form = new FormData();
    form.append('chat_id', String(delivery.to));
    form.append(field, new Blob([await fileBytes(this.deps.storage, file.storageKey)], { type: file.mimeType }), file.name);
    if (caption !== null) form.append('caption', caption);
    if ('reply_parameters' in reply) form.append('reply_parameters', JSON.stringify(reply.reply_parameters));
    return this.call(delivery, photo ? 'sendPhoto' : 'sendDocument', form);
  }

  private async call(delivery: OutboundDelivery, method: string, body: string | FormData): Promise<string> {
    const base = this.deps.config.telegramApiUrl.replace(/\/+$/, '');
    const url = `${base}/bot${delivery.channel.secrets.bot_token}/${method}`;
    const headers: Record<string, string> = typeof body === 'string' ? { 'content-type': 'application/json' } : {};
    const answer = await callProvider(this.deps, delivery, method, url, { method: 'POST', headers, body });
    const json = answer.json as { ok?: unknown; result?: { message_id?: unknown; chat?: { id?: unknown } } } | null;
    if (answer.status >= 200 && answer.status < 300 && json?.ok === true) {
      const id = json.result?.message_id;
      if (typeof id !== 'number' && typeof id !== 'string') throw new PermanentDeliveryError('Telegram accepted the message without a message id.');
      // Unique per channel only with the chat: the same form as inbound ids (docs/channels.md#event-keys).
      const chat = json.result?.chat?.id;
      return `${typeof chat === 'number' || typeof chat === 'string' ? chat : delivery.to}:${id}`;
    }
    throw telegramError(answer, this.deps.clock.now());
  }
}

/** `{"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user", "parameters": {"retry_after": 5}}`. */
function telegramError(answer: ProviderAnswer, now: Date): Error {
  const body = answer.json as { error_code?: unknown; description?: unknown; parameters?: { retry_after?: unknown } } | null;
  const code = typeof body?.error_code === 'number' ? body.error_code : answer.status;
  const description = typeof body?.description === 'string' ? body.description : null;
  const status = answer.status >= 400 ? answer.status : code;
  return classify({
    status,
    reason: description !== null ? `${code}: ${description}` : httpReason(status),
    retryAfterSeconds: capRetryAfter(body?.parameters?.retry_after) ?? retryAfterSeconds(answer.headers.get('retry-after'), now),
  });
}
