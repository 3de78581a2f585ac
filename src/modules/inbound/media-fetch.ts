import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Config } from '../../config.js';
import type { InboundMediaRef } from './inbound-event.js';

/** What a provider returned for one inbound file: its bytes as they arrive (the caller stores them with a size limit). */
export interface FetchedMedia {
  stream: Readable;
  /** The type the provider declared (the stored type is sniffed from the bytes first, as uploads are). */
  declaredType: string | null;
}

export class MediaFetchError extends Error {}

/** `what` names the request in errors: URLs may carry a bot token, and errors are stored with the job. */
async function get(what: string, url: string, config: Config, maxBytes: number, bearer: string | null): Promise<Response> {
  const response = await fetch(url, {
    headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` },
    signal: AbortSignal.timeout(config.providerTimeoutMs),
    redirect: 'follow',
  });
  if (!response.ok) throw new MediaFetchError(`The ${what} answered ${response.status}.`);
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > maxBytes) throw new MediaFetchError(`The file is larger than ${maxBytes} bytes.`);
  return response;
}

/** The body as a stream, never held whole in memory (files may be up to the upload limit). */
function streamOf(response: Response): Readable {
  return response.body ? Readable.fromWeb(response.body as WebReadableStream<Uint8Array>) : Readable.from([]);
}

async function json(response: Response): Promise<Record<string, unknown>> {
  const body = (await response.json().catch(() => null)) as unknown;
  if (body === null || typeof body !== 'object') throw new MediaFetchError('The provider answered with no JSON object.');
  return body as Record<string, unknown>;
}

/**
 * Fetches an inbound file through the provider's API (docs/channels.md#processing-inbound-events): WhatsApp resolves
 * the media id to a short-lived URL, both requests with the channel's Bearer token; Instagram attachment URLs need
 * no auth; Telegram resolves the file id with getFile and downloads from the bot's file URL.
 */
export async function fetchInboundMedia(config: Config, secrets: Record<string, string>, media: InboundMediaRef, maxBytes: number): Promise<FetchedMedia> {
  switch (media.source) {
    case 'whatsapp': {
      const token = secrets.access_token ?? '';
      const meta = await json(
        await get('media lookup', `${config.whatsappApiUrl}/${config.metaGraphApiVersion}/${encodeURIComponent(media.mediaId)}`, config, maxBytes, token),
      );
      if (typeof meta.url !== 'string') throw new MediaFetchError('The media lookup returned no url.');
      const response = await get('media download', meta.url, config, maxBytes, token);
      return { stream: streamOf(response), declaredType: typeof meta.mime_type === 'string' ? meta.mime_type : media.mimeType };
    }
    case 'url': {
      const response = await get('attachment download', media.url, config, maxBytes, null);
      return { stream: streamOf(response), declaredType: media.mimeType ?? response.headers.get('content-type') };
    }
    case 'telegram': {
      const bot = secrets.bot_token ?? '';
      const found = await json(
        await get('getFile request', `${config.telegramApiUrl}/bot${bot}/getFile?file_id=${encodeURIComponent(media.fileId)}`, config, maxBytes, null),
      );
      const path = (found.result as { file_path?: unknown } | undefined)?.file_path;
      if (found.ok !== true || typeof path !== 'string') throw new MediaFetchError('getFile returned no file_path.');
      const response = await get('file download', `${config.telegramApiUrl}/file/bot${bot}/${path}`, config, maxBytes, null);
      return { stream: streamOf(response), declaredType: media.mimeType };
    }
  }
}
