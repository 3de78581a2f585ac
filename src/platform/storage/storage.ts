import crypto from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** An inclusive byte range of a stored object (HTTP Range semantics). */
export interface ByteRange {
  start: number;
  end: number;
}

export interface PutOptions {
  contentType: string;
  /** More bytes than this aborts the write, removes what was written and throws StorageLimitError. */
  maxBytes: number;
}

/**
 * Where uploaded file bytes live (docs/domain-rules.md#files-and-media): local disk or an S3-compatible store. Bytes are always
 * streamed, never held whole in memory, and a failed or refused write leaves nothing behind.
 */
export interface FileStorage {
  put(key: string, stream: Readable, options: PutOptions): Promise<{ size: number }>;
  /** `size` is the whole object's size, whatever the range. Throws StorageNotFoundError. */
  get(key: string, range?: ByteRange): Promise<{ stream: Readable; size: number }>;
  /** Removing a key that does not exist is not an error. */
  delete(key: string): Promise<void>;
}

export class StorageLimitError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The object is larger than ${maxBytes} bytes.`);
    this.name = 'StorageLimitError';
  }
}

export class StorageNotFoundError extends Error {
  constructor(key: string) {
    super(`No stored object has the key ${key}.`);
    this.name = 'StorageNotFoundError';
  }
}

/** Counts bytes as they pass and fails the stream with StorageLimitError on the first byte past the limit. */
export class ByteLimit extends Transform {
  bytes = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) callback(new StorageLimitError(this.maxBytes));
    else callback(null, chunk);
  }
}

const KEY = /^[0-9A-Za-z_-]+(\/[0-9A-Za-z_-]+)*$/;

/** Keys are made here only, never from user input, so they cannot escape the storage root or collide. */
export function newStorageKey(tenantId: number, now: Date): string {
  const year = String(now.getUTCFullYear());
  const month = String(now.getUTCMonth() + 1).padStart(2, '0');
  return `${tenantId}/${year}/${month}/${crypto.randomBytes(20).toString('hex')}`;
}

/** Defence in depth for drivers that map keys to paths. */
export function assertValidKey(key: string): void {
  if (!KEY.test(key) || key.length > 512) throw new Error(`Invalid storage key: ${JSON.stringify(key)}.`);
}
