import type { Config } from '../../config.js';
import { LocalStorage } from './local-storage.js';
import { S3Storage } from './s3-storage.js';
import type { FileStorage } from './storage.js';

/** STORAGE_DRIVER picks the store (README.md#configuration); config validation already required S3_BUCKET for s3. */
export function createStorage(config: Config): FileStorage {
  if (config.storageDriver === 's3') return new S3Storage(config.s3.bucket!, config.s3);
  return new LocalStorage(config.storageDir);
}
