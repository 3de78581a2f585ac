import { DeleteObjectCommand, GetObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { Config } from '../../config.js';
import { ByteLimit, StorageLimitError, StorageNotFoundError, type ByteRange, type FileStorage, type PutOptions } from './storage.js';

function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404);
}

/** `Content-Range: bytes 0-9/1234` → 1234. */
function totalFromContentRange(contentRange: string | undefined): number | null {
  const total = /\/(\d+)$/.exec(contentRange ?? '')?.[1];
  return total === undefined ? null : Number(total);
}

/**
 * An S3-compatible bucket (AWS, MinIO, R2, …). Uploads stream through lib-storage's multipart Upload, which aborts
 * the multipart upload when the source fails, so a refused file leaves no object and no orphaned parts.
 */
export class S3Storage implements FileStorage {
  private readonly client: S3Client;

  constructor(
    private readonly bucket: string,
    options: Config['s3'],
  ) {
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle,
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
      // Many S3-compatible stores reject or mishandle the SDK's default flexible checksums; S3 itself does not need them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, stream: Readable, options: PutOptions): Promise<{ size: number }> {
    const limit = new ByteLimit(options.maxBytes);
    // Errors of the source travel into the counter, so the Upload sees every failure and aborts.
    stream.on('error', (error) => limit.destroy(error));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: stream.pipe(limit), ContentType: options.contentType },
    });
    try {
      await upload.done();
    } catch (error) {
      stream.destroy();
      // A single-request upload that failed after the store accepted it must not leave the object behind.
      await this.delete(key).catch(() => undefined);
      if (limit.bytes > options.maxBytes || error instanceof StorageLimitError) throw new StorageLimitError(options.maxBytes);
      throw error;
    }
    return { size: limit.bytes };
  }

  async get(key: string, range?: ByteRange): Promise<{ stream: Readable; size: number }> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      const size = (range ? totalFromContentRange(response.ContentRange) : null) ?? Number(response.ContentLength ?? 0);
      return { stream: response.Body as Readable, size };
    } catch (error) {
      if (isNotFound(error)) throw new StorageNotFoundError(key);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}
