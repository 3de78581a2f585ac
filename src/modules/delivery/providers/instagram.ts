import type { ChannelAdapter, DeliveryOutcome, OutboundDelivery } from '../channel-adapter.js';
import { PermanentDeliveryError } from '../channel-adapter.js';
import { callProvider, sendParts, type ProviderDeps } from './provider-http.js';
import { graphUrl, metaResult } from './meta.js';

export const INSTAGRAM_NEEDS_PUBLIC_URL = 'PUBLIC_URL must be set to send files to Instagram.';

function attachmentType(mimeType: string): 'image' | 'video' | 'audio' | 'file' {
  const top = mimeType.toLowerCase().split('/')[0];
  return top === 'image' || top === 'video' || top === 'audio' ? top : 'file';
}

/**
 * Instagram messaging (docs/jobs-and-delivery.md#adapters): `/{account_id}/messages` with the customer's IGSID. Files
 * are not uploaded: Instagram fetches them from a signed file link, so this server must be reachable at PUBLIC_URL;
 * a caption follows as a second, text message. The provider id is `message_id`.
 */
export class InstagramAdapter implements ChannelAdapter {
  readonly name = 'instagram';

  constructor(private readonly deps: ProviderDeps) {}

  async send(delivery: OutboundDelivery): Promise<DeliveryOutcome> {
    const { file, text } = delivery;
    const parts: Array<() => Promise<string>> = [];
    if (file) {
      const publicUrl = this.deps.config.publicUrl;
      if (!publicUrl) throw new PermanentDeliveryError(INSTAGRAM_NEEDS_PUBLIC_URL);
      const url = this.deps.fileLinks.url(publicUrl.replace(/\/+$/, ''), delivery.tenantId, file.id, 'content', this.deps.clock.now());
      parts.push(() => this.message(delivery, { attachment: { type: attachmentType(file.mimeType), payload: { url } } }));
    }
    if (text) parts.push(() => this.message(delivery, { text }));
    if (parts.length === 0) throw new PermanentDeliveryError('The message has neither text nor a file.');
    return { status: 'sent', providerMessageId: await sendParts(parts) };
  }

  private async message(delivery: OutboundDelivery, message: Record<string, unknown>): Promise<string> {
    const { instagramApiUrl, metaGraphApiVersion } = this.deps.config;
    const url = graphUrl(instagramApiUrl, metaGraphApiVersion, String(delivery.channel.settings.account_id), 'messages');
    const answer = await callProvider(this.deps, delivery, 'messages', url, {
      method: 'POST',
      headers: { authorization: `Bearer ${delivery.channel.secrets.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ recipient: { id: delivery.to }, message }),
    });
    const id = (metaResult(answer, this.deps) as { message_id?: unknown }).message_id;
    if (typeof id !== 'string' || id === '') throw new PermanentDeliveryError('Instagram accepted the message without a message id.');
    return id;
  }
}
