import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { MultipartFile } from '@fastify/multipart';
import { AppError } from '../../platform/errors.js';
import { normalizeInput } from '../../http/validation.js';
import { newStorageKey, StorageLimitError, type FileStorage } from '../../platform/storage/storage.js';
import { cleanFileName } from './file-names.js';
import { detectMimeType, fileKind, peekStream, SNIFF_BYTES, type FileKind } from './file-types.js';
import type { PartDigest } from '../idempotency/request-fingerprint.js';

/** docs/input.md#body-transport: one file of at most 51,200 KB, plus at most 1 MiB of every other part. */
export const MAX_FILE_BYTES = 52_428_800;
export const MAX_OTHER_BYTES = 1_048_576;
export const FILE_TOO_LARGE = 'The file field must not be greater than 51200 kilobytes.';

export interface StoredUpload {
  key: string;
  name: string;
  mimeType: string;
  type: FileKind;
  size: number;
}

export interface MediaParts {
  /** The first `file` file part, stored; null when there was none or it was empty. */
  file: StoredUpload | null;
  /** What the request had under `file`: nothing (or an empty text), a non-empty text part, or a file part. */
  fileField: 'absent' | 'text' | 'file-part';
  /** The `message` part as sent (last one wins, as in PHP); a file part under that name is not a string. */
  message: unknown;
  /** Every part in order, as an Idempotency-Key's request fingerprint reads it (docs/idempotency.md#the-same-request). */
  digests: PartDigest[];
}

export function payloadTooLarge(): AppError {
  // The client may still be sending: closing the connection stops reading the rest (docs/input.md#body-transport "at once").
  return new AppError('payload_too_large', FILE_TOO_LARGE, { headers: { Connection: 'close' } });
}

const MALFORMED = /^(FST_PROTO_VIOLATION|FST_INVALID_JSON_FIELD_ERROR|FST_MP_PREMATURE_CLOSE)$/;

/** Parser and size errors become the contract's codes; storage and database failures stay 500s. */
function translate(error: unknown): unknown {
  if (error instanceof AppError) return error;
  if (error instanceof StorageLimitError) return payloadTooLarge();
  const { code, statusCode, message } = (error ?? {}) as { code?: string; statusCode?: number; message?: string };
  if (code?.startsWith('FST_') && statusCode === 413) return payloadTooLarge();
  if ((code && MALFORMED.test(code)) || /^(Multipart:|Unexpected end of (multipart|form)|Part terminated early|Malformed)/.test(message ?? '')) {
    return new AppError('invalid_request', 'The multipart body is malformed.');
  }
  return error;
}

async function drain(stream: Readable, count: (bytes: number) => void, hash: crypto.Hash): Promise<void> {
  for await (const chunk of stream) {
    count((chunk as Buffer).length);
    hash.update(chunk as Buffer);
  }
}

/** The bytes of `source`, passed on unchanged while `hash` reads them. */
function hashing(source: Readable, hash: crypto.Hash): Readable {
  return Readable.from(
    (async function* () {
      for await (const chunk of source) {
        hash.update(chunk as Buffer);
        yield chunk as Buffer;
      }
    })(),
  );
}

/** Streams one file part into storage under a fresh key, its type sniffed from the first bytes; null when empty. */
async function storeFilePart(part: MultipartFile, storage: FileStorage, tenantId: number, now: Date, hash: crypto.Hash): Promise<StoredUpload | null> {
  const { head, stream } = await peekStream(hashing(part.file, hash), SNIFF_BYTES);
  if (head.length === 0) return null;
  let mimeType: string;
  try {
    mimeType = await detectMimeType(head, part.mimetype);
  } catch (error) {
    part.file.destroy(); // nothing would read the rest of the part otherwise
    throw error;
  }
  const key = newStorageKey(tenantId, now);
  const { size } = await storage.put(key, stream, { contentType: mimeType, maxBytes: MAX_FILE_BYTES });
  return { key, size, mimeType, type: fileKind(mimeType), name: cleanFileName(part.filename, mimeType) };
}

/**
 * Reads a media upload part by part (docs/domain-rules.md#files-and-media): the first `file` file part streams to storage as it
 * arrives, every other part is counted against 1 MiB and dropped. On any failure what was stored is removed again.
 */
export function readMediaParts(request: FastifyRequest, storage: FileStorage, tenantId: number, now: Date): Promise<MediaParts> {
  // Read once per request: with an Idempotency-Key the route builder reads the body before the handler (step 7).
  let read = readRequests.get(request);
  if (!read) readRequests.set(request, (read = readParts(request, storage, tenantId, now)));
  return read;
}

const readRequests = new WeakMap<FastifyRequest, Promise<MediaParts>>();
const sha256 = () => crypto.createHash('sha256');

async function readParts(request: FastifyRequest, storage: FileStorage, tenantId: number, now: Date): Promise<MediaParts> {
  const result: MediaParts = { file: null, fileField: 'absent', message: undefined, digests: [] };
  // An empty body of any type reaches here without the multipart flag (docs/input.md#body-transport: it counts as no fields).
  if (!request.isMultipart()) return result;
  let otherBytes = 0;
  const countOther = (bytes: number) => {
    otherBytes += bytes;
    if (otherBytes > MAX_OTHER_BYTES) throw payloadTooLarge();
  };
  try {
    // One byte over each limit lets our own counters see the excess instead of busboy silently truncating.
    const parts = request.parts({ limits: { fileSize: MAX_FILE_BYTES + 1, fieldSize: MAX_OTHER_BYTES + 1, parts: 1000 } });
    for await (const part of parts) {
      const hash = sha256();
      if (part.type === 'file') {
        if (part.fieldname === 'file' && result.fileField !== 'file-part') {
          result.fileField = 'file-part';
          result.file = await storeFilePart(part, storage, tenantId, now, hash);
        } else {
          if (part.fieldname === 'message') result.message = { file: true };
          await drain(part.file, countOther, hash);
        }
        result.digests.push({ name: part.fieldname, fileName: part.filename, sha256: hash.digest('hex') });
        continue;
      }
      result.digests.push({ name: part.fieldname, fileName: null, sha256: hash.update(String(part.value)).digest('hex') });
      countOther(Buffer.byteLength(part.fieldname) + Buffer.byteLength(String(part.value)));
      if (part.fieldname === 'message') result.message = part.value;
      if (part.fieldname === 'file' && result.fileField !== 'file-part') {
        // Like Laravel: an empty text counts as no value at all, any other text is "not a file".
        result.fileField = normalizeInput(part.value) === null ? 'absent' : 'text';
      }
    }
  } catch (error) {
    if (result.file) await storage.delete(result.file.key).catch(() => undefined);
    throw translate(error);
  }
  return result;
}
