import type { ChannelAdapter, DeliveryOutcome, OutboundDelivery } from '../channel-adapter.js';
import { PermanentDeliveryError } from '../channel-adapter.js';
import { callProvider, fileBytes, sendParts, type ProviderDeps } from './provider-http.js';
import { graphUrl, metaResult } from './meta.js';

type MediaKind = 'image' | 'video' | 'audio' | 'document';

/** The media types WhatsApp plays inline; any other file goes as a document (docs/jobs-and-delivery.md#adapters). */
const INLINE: Record<string, MediaKind> = {
  'image/jpeg': 'image',
  'image/png': 'image',
  'video/mp4': 'video',
  'video/3gpp': 'video',
  'audio/aac': 'audio',
  'audio/amr': 'audio',
  'audio/mpeg': 'audio',
  'audio/mp4': 'audio',
  'audio/ogg': 'audio',
};

/**
 * WhatsApp Cloud API (docs/jobs-and-delivery.md#adapters): text to `/{phone_number_id}/messages`; a file is uploaded
 * to `/{phone_number_id}/media` first and sent by its media id. The provider id is `messages[0].id` (a wamid).
 */
export class WhatsAppAdapter implements ChannelAdapter {
  readonly name = 'whatsapp';

  constructor(private readonly deps: ProviderDeps) {}

  async send(delivery: OutboundDelivery): Promise<DeliveryOutcome> {
    const { file, text } = delivery;
    const context = quotedContext(delivery);
    if (!file) {
      if (!text) throw new PermanentDeliveryError('The message has neither text nor a file.');
      return this.sent(await this.message(delivery, { type: 'text', text: { preview_url: false, body: text }, ...context }));
    }
    const kind = INLINE[file.mimeType.toLowerCase()] ?? 'document';
    const mediaId = await this.upload(delivery);
    // WhatsApp audio takes no caption: the text follows as its own message.
    const caption = text && kind !== 'audio' ? { caption: text } : {};
    const media = { id: mediaId, ...caption, ...(kind === 'document' ? { filename: file.name } : {}) };
    const parts = [() => this.message(delivery, { type: kind, [kind]: media, ...context })];
    if (text && kind === 'audio') parts.push(() => this.message(delivery, { type: 'text', text: { preview_url: false, body: text } }));
    return this.sent(await sendParts(parts));
  }

  private sent(providerMessageId: string): DeliveryOutcome {
    return { status: 'sent', providerMessageId };
  }

  private url(delivery: OutboundDelivery, edge: string): string {
    const { whatsappApiUrl, metaGraphApiVersion } = this.deps.config;
    return graphUrl(whatsappApiUrl, metaGraphApiVersion, String(delivery.channel.settings.phone_number_id), edge);
  }

  private auth(delivery: OutboundDelivery): Record<string, string> {
    return { authorization: `Bearer ${delivery.channel.secrets.access_token}` };
  }

  private async message(delivery: OutboundDelivery, content: Record<string, unknown>): Promise<string> {
    const body = { messaging_product: 'whatsapp', recipient_type: 'individual', to: delivery.to.replace(/[^0-9]/g, ''), ...content };
    const answer = await callProvider(this.deps, delivery, 'messages', this.url(delivery, 'messages'), {
      method: 'POST',
      headers: { ...this.auth(delivery), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const result = metaResult(answer, this.deps) as { messages?: Array<{ id?: unknown }> };
    const id = result.messages?.[0]?.id;
    if (typeof id !== 'string' || id === '') throw new PermanentDeliveryError('WhatsApp accepted the message without a message id.');
    return id;
  }

  private async upload(delivery: OutboundDelivery): Promise<string> {
    const file = delivery.file!;
    const form = new FormData();
    form.append('messaging_product', 'whatsapp');
    form.append('type', file.mimeType);
    form.append('file', new Blob([await fileBytes(this.deps.storage, file.storageKey)], { type: file.mimeType }), file.name);
    const answer = await callProvider(this.deps, delivery, 'media', this.url(delivery, 'media'), {
      method: 'POST',
      headers: this.auth(delivery),
      body: form,
    });
    const id = (metaResult(answer, this.deps) as { id?: unknown }).id;
    if (typeof id !== 'string' || id === '') throw new PermanentDeliveryError('WhatsApp accepted the upload without a media id.');
    return id;
  }
}

/** `context` only when the quoted message is a WhatsApp one (a sandbox id was never on WhatsApp). */
function quotedContext(delivery: OutboundDelivery): { context?: { message_id: string } } {
  const quoted = delivery.quotedProviderMessageId;
  return quoted && !quoted.startsWith('sandbox-') ? { context: { message_id: quoted } } : {};
}
