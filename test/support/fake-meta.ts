import { FakeProvider, type Answer } from './fake-provider.js';

export type { RecordedRequest, RecordedFile, ScriptedAnswer } from './fake-provider.js';

/**
 * Meta's Graph API on 127.0.0.1 for the WhatsApp Cloud API and Instagram messaging. Point WHATSAPP_API_URL at
 * `whatsappUrl` and INSTAGRAM_API_URL at `instagramUrl` (the same server; Instagram's calls live under `/instagram`,
 * stripped from the recorded `path`'s meaning only by the endpoint name). Endpoints:
 *
 * - `whatsapp:messages` `POST /{version}/{phone_number_id}/messages` → `{"messaging_product":"whatsapp","contacts":[…],"messages":[{"id":"wamid.…"}]}`
 * - `whatsapp:media` `POST /{version}/{phone_number_id}/media` (multipart) → `{"id":"<media id>"}`
 * - `whatsapp:media-info` `GET /{version}/{media_id}` → `{"url","mime_type","sha256","file_size","id","messaging_product"}`
 * - `whatsapp:media-download` `GET /media-download/{media_id}` → the bytes given to `addMedia`
 * - `instagram:messages` `POST /instagram/{version}/{account_id}/messages` → `{"recipient_id":"…","message_id":"aWdf…"}`
 * - `instagram:profile` `GET /instagram/{version}/{igsid}?fields=…` → the profile given to `addProfile`
 * - `instagram:attachment` `GET /cdn/{name}` → the bytes given to `addAttachment` (the URL of an inbound attachment,
 *   fetched without credentials)
 *
 * Unknown media ids and profiles answer Meta's 400 code 100. Every request is recorded; `script()` overrides answers.
 */
export class FakeMeta extends FakeProvider {
  private sequence = 0;
  readonly media = new Map<string, { bytes: Buffer; mimeType: string }>();
  readonly profiles = new Map<string, Record<string, unknown>>();
  readonly attachments = new Map<string, { bytes: Buffer; mimeType: string }>();

  get whatsappUrl(): string {
    return this.url;
  }

  get instagramUrl(): string {
    return `${this.url}/instagram`;
  }

  addMedia(id: string, bytes: Buffer, mimeType: string): void {
    this.media.set(id, { bytes, mimeType });
  }

  addProfile(igsid: string, profile: Record<string, unknown>): void {
    this.profiles.set(igsid, profile);
  }

  /** Serves `bytes` at `attachmentUrl(name)`. */
  addAttachment(name: string, bytes: Buffer, mimeType: string): void {
    this.attachments.set(name, { bytes, mimeType });
  }

  attachmentUrl(name: string): string {
    return `${this.url}/cdn/${encodeURIComponent(name)}`;
  }

  protected route(method: string, url: URL, body: unknown): { endpoint: string; answer: () => Answer } | null {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'instagram') return this.instagram(method, parts.slice(1), body);
    if (method === 'GET' && parts[0] === 'media-download' && parts.length === 2) {
      return { endpoint: 'whatsapp:media-download', answer: () => this.download(this.media, parts[1]!) };
    }
    if (method === 'GET' && parts[0] === 'cdn' && parts.length === 2) {
      return { endpoint: 'instagram:attachment', answer: () => this.download(this.attachments, parts[1]!) };
    }
    if (method === 'POST' && parts.length === 3 && parts[2] === 'messages') {
      const to = String((body as { to?: unknown } | null)?.to ?? '');
      return {
        endpoint: 'whatsapp:messages',
        answer: () => ({
          status: 200,
          json: { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to }], messages: [{ id: `wamid.HBgM${this.next()}` }] },
        }),
      };
    }
    if (method === 'POST' && parts.length === 3 && parts[2] === 'media') {
      return { endpoint: 'whatsapp:media', answer: () => ({ status: 200, json: { id: `${1000000000000000 + this.next()}` } }) };
    }
    if (method === 'GET' && parts.length === 2) {
      return { endpoint: 'whatsapp:media-info', answer: () => this.mediaInfo(parts[1]!) };
    }
    return null;
  }

  private instagram(method: string, parts: string[], body: unknown): { endpoint: string; answer: () => Answer } | null {
    if (method === 'POST' && parts.length === 3 && parts[2] === 'messages') {
      const recipient = String((body as { recipient?: { id?: unknown } } | null)?.recipient?.id ?? '');
      return {
        endpoint: 'instagram:messages',
        answer: () => ({ status: 200, json: { recipient_id: recipient, message_id: `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUl${this.next()}` } }),
      };
    }
    if (method === 'GET' && parts.length === 2) {
      const profile = this.profiles.get(parts[1]!);
      return { endpoint: 'instagram:profile', answer: () => (profile ? { status: 200, json: { ...profile, id: parts[1] } } : unsupported(parts[1]!)) };
    }
    return null;
  }

  private mediaInfo(id: string): Answer {
    const media = this.media.get(id);
    if (!media) return unsupported(id);
    return {
      status: 200,
      json: {
        url: `${this.url}/media-download/${encodeURIComponent(id)}`,
        mime_type: media.mimeType,
        sha256: '',
        file_size: media.bytes.length,
        id,
        messaging_product: 'whatsapp',
      },
    };
  }

  private download(from: Map<string, { bytes: Buffer; mimeType: string }>, id: string): Answer {
    const media = from.get(id);
    if (!media) return { status: 404, json: { error: { message: 'Not found', code: 100 } } };
    return { status: 200, bytes: media.bytes, contentType: media.mimeType };
  }

  private next(): number {
    return ++this.sequence;
  }
}

/** Meta's answer for an object id that does not exist or cannot be read. */
function unsupported(id: string): Answer {
  return {
    status: 400,
    json: {
      error: {
        message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        type: 'GraphMethodException',
        code: 100,
        error_subcode: 33,
        fbtrace_id: 'AbCdEfGh',
      },
    },
  };
}

/** A Meta error body as the Graph API writes it. */
export function metaError(code: number, message: string, type = 'OAuthException'): { error: Record<string, unknown> } {
  return { error: { message, type, code, fbtrace_id: 'AbCdEfGh' } };
}
