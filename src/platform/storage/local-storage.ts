import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { assertValidKey, ByteLimit, StorageNotFoundError, type ByteRange, type FileStorage, type PutOptions } from './storage.js';

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * Files under one directory. A write goes to a temporary file beside its target and is renamed into place only when
 * complete, so a reader never sees a partial object and a refused upload leaves nothing behind.
 */
export class LocalStorage implements FileStorage {
  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    assertValidKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, stream: Readable, options: PutOptions): Promise<{ size: number }> {
    const target = this.pathOf(key);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${crypto.randomBytes(6).toString('hex')}.part`;
    const limit = new ByteLimit(options.maxBytes);
    try {
      await pipeline(stream, limit, fs.createWriteStream(temporary, { flags: 'wx', mode: 0o600 }));
      await fsp.rename(temporary, target);
    } catch (error) {
      await fsp.rm(temporary, { force: true });
      throw error;
    }
    return { size: limit.bytes };
  }

  async get(key: string, range?: ByteRange): Promise<{ stream: Readable; size: number }> {
    const file = this.pathOf(key);
    // Opening first pins the file: a concurrent delete cannot turn a found object into a broken stream.
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(file, 'r');
    } catch (error) {
      if (isMissing(error)) throw new StorageNotFoundError(key);
      throw error;
    }
    try {
      const { size } = await handle.stat();
      const stream = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
      return { stream, size };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.pathOf(key), { force: true });
  }
}
