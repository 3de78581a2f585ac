import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

/**
 * The built inbox (docs/inbox.md#building): dist/app, the same path from src/modules/inbox (tests) and
 * dist/modules/inbox (the built server). Read once into memory with gzip and brotli variants: the files are small
 * and immutable until the next build, which restarts the server.
 */
export const INBOX_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/app');

export interface InboxAsset {
  type: string;
  plain: Buffer;
  gzip: Buffer;
  brotli: Buffer;
  etag: string;
}

export interface InboxBuild {
  shell: string;
  assets: Map<string, InboxAsset>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

function readAsset(file: string): InboxAsset {
  const plain = fs.readFileSync(file);
  return {
    type: TYPES[path.extname(file)] ?? 'application/octet-stream',
    plain,
    gzip: zlib.gzipSync(plain, { level: 9 }),
    brotli: zlib.brotliCompressSync(plain),
    etag: `"${crypto.createHash('sha256').update(plain).digest('base64url').slice(0, 27)}"`,
  };
}

let cached: { dir: string; build: InboxBuild } | null = null;

/** The build in `dir`, or null when it has not been built (no index.html): /app then answers 503. */
export function loadInboxBuild(dir = INBOX_DIST): InboxBuild | null {
  if (cached?.dir === dir) return cached.build;
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) return null;
  const assets = new Map<string, InboxAsset>();
  const assetDir = path.join(dir, 'assets');
  for (const name of fs.existsSync(assetDir) ? fs.readdirSync(assetDir) : []) {
    // Source maps are never served (none are built; this keeps a stray one out too).
    if (!name.endsWith('.map')) assets.set(name, readAsset(path.join(assetDir, name)));
  }
  const build = { shell: fs.readFileSync(index, 'utf8'), assets };
  cached = { dir, build };
  return build;
}
