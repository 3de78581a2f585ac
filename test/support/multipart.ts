import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

export interface FormPart {
  name: string;
  /** Present: a file part (an empty string is sent as `filename=""`). */
  filename?: string;
  contentType?: string;
  data: Buffer | string;
}

/** A hand-built multipart/form-data body, byte for byte what a browser or curl sends. */
export function multipartBody(parts: FormPart[]): { payload: Buffer; contentType: string } {
  const boundary = `----flextell${crypto.randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(partHeader(boundary, part)), Buffer.from(part.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

function partHeader(boundary: string, part: Omit<FormPart, 'data'>): string {
  const filename = part.filename === undefined ? '' : `; filename="${part.filename}"`;
  const type = part.contentType === undefined ? '' : `Content-Type: ${part.contentType}\r\n`;
  return `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${filename}\r\n${type}\r\n`;
}

/**
 * A body with one file part of `size` bytes produced on the fly from a single reused chunk (so a 50 MB upload never
 * exists in memory), plus its exact Content-Length.
 */
export function streamedFileBody(size: number, head: Buffer = Buffer.alloc(0)): { stream: Readable; contentType: string; length: number } {
  const boundary = `----flextell${crypto.randomBytes(8).toString('hex')}`;
  const preamble = Buffer.from(partHeader(boundary, { name: 'file', filename: 'big.bin', contentType: 'application/octet-stream' }));
  const epilogue = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = Buffer.alloc(1 << 20, 0x61);
  async function* generate(): AsyncGenerator<Buffer> {
    yield preamble;
    let left = size;
    if (head.length > 0) {
      yield head;
      left -= head.length;
    }
    while (left > 0) {
      const next = Math.min(left, chunk.length);
      yield next === chunk.length ? chunk : chunk.subarray(0, next);
      left -= next;
    }
    yield epilogue;
  }
  return {
    stream: Readable.from(generate(), { objectMode: false }),
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: preamble.length + size + epilogue.length,
  };
}

/** Every regular file under a directory (none when it does not exist). */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** A valid 1×1 PNG. */
export const PNG_BYTES = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
