import { Readable } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';

export type FileKind = 'image' | 'video' | 'audio' | 'document';

/** file-type's own "reasonable" sample: enough for every magic number it knows at a fixed offset. */
export const SNIFF_BYTES = 4100;

const OCTET_STREAM = 'application/octet-stream';
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

/**
 * docs/domain-rules.md#files-and-media: the type comes from the bytes; a declared type is only trusted when the bytes are not
 * recognised, and never when it is absent, generic or not even shaped like a MIME type.
 */
export async function detectMimeType(head: Uint8Array, declared: string | undefined): Promise<string> {
  const detected = head.length > 0 ? await fileTypeFromBuffer(head) : undefined;
  if (detected) return detected.mime;
  const essence = (declared ?? '').split(';')[0]!.trim().toLowerCase();
  return MIME.test(essence) ? essence : OCTET_STREAM;
}

export function fileKind(mimeType: string): FileKind {
  if (mimeType.startsWith('image/')) return 'image';
  if (mimeType.startsWith('video/')) return 'video';
  if (mimeType.startsWith('audio/')) return 'audio';
  return 'document';
}

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'audio/webm': 'webm',
  'audio/ogg': 'ogg',
  'video/ogg': 'ogg',
  'application/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/vnd.wave': 'wav',
  'text/plain': 'txt',
};

/** The extension of a name made for a file uploaded without one (docs/domain-rules.md#files-and-media lists them; anything else is `bin`). */
export function extensionFor(mimeType: string): string {
  return EXTENSIONS[mimeType] ?? 'bin';
}

/**
 * Reads up to `bytes` bytes from the start of a stream and hands back those bytes plus a stream of the whole content,
 * so the type can be known before the bytes are stored without ever buffering more than the sample.
 */
export async function peekStream(source: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const iterator: AsyncIterator<Buffer> = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* whole(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    // Returning early (the consumer stopped) ends the source too, through iterator.return().
    yield* { [Symbol.asyncIterator]: () => iterator };
  }
  return { head: head.subarray(0, bytes), stream: Readable.from(whole(), { objectMode: false }) };
}
