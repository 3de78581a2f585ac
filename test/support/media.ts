import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { createHarness, type Harness, type TestResponse } from './harness.js';
import { conversationOn, listedMessage } from './requests.js';
import { sql } from './factories.js';
import { filesUnder, multipartBody, PNG_BYTES, type FormPart } from './multipart.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

/** Helpers of the media upload and signed-link suites (docs/domain-rules.md#files-and-media). */
export const FILE_KEYS = [
  'id',
  'name',
  'description',
  'type',
  'mime_type',
  'size',
  'formatted_size',
  'group_id',
  'fileable_type',
  'fileable_id',
  'temporary_url',
  'temporary_thumbnail_url',
  'created_at',
  'updated_at',
  'deleted_at',
];
export const LINK = /^http:\/\/127\.0\.0\.1:8080\/api\/v1\/files\/(\d+)\/content\?t=(\d+)&expires=(\d+)&signature=([0-9a-f]{64})$/;

export interface Target {
  seed: SeedResult;
  token: string;
  conversationId: number;
}

/** A telegram conversation of a new tenant: no reply window, so sends succeed. */
export async function telegramTarget(h: Harness): Promise<Target> {
  const seed = await h.seedTenant({ conversations: 8 });
  const conversation = await conversationOn(h, seed, 'telegram');
  return { seed, token: seed.access_token, conversationId: conversation.id };
}

export function sendMedia(h: Harness, target: Target, parts: FormPart[], headers: Record<string, string> = {}): Promise<TestResponse> {
  const { payload, contentType } = multipartBody(parts);
  return h.request({
    method: 'POST',
    url: `/api/v1/conversations/${target.conversationId}/messages/media`,
    token: target.token,
    headers: { 'content-type': contentType, ...headers },
    payload,
  });
}

/** Sends PNG bytes declared as octet-stream and returns the listed message. */
export async function sentImage(h: Harness, target: Target, caption?: string) {
  const parts: FormPart[] = [{ name: 'file', filename: 'return-label.png', contentType: 'application/octet-stream', data: PNG_BYTES }];
  if (caption !== undefined) parts.push({ name: 'message', data: caption });
  const response = await sendMedia(h, target, parts);
  expect(response.status, response.body).toBe(200);
  const messageId = Number(response.json.data.message_id);
  return { response, messageId, message: await listedMessage(h, target.token, target.conversationId, messageId) };
}

/** GET of a signed link, without any token, keeping the raw bytes. */
export async function download(h: Harness, url: string, headers: Record<string, string> = {}): Promise<TestResponse & { raw: Buffer }> {
  const response = await h.app.inject({ method: 'GET', url: url.replace('http://127.0.0.1:8080', ''), headers: { host: '127.0.0.1:8080', ...headers } });
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers as TestResponse['headers'], body: response.body, json, raw: response.rawPayload };
}

/** Rows of the tenant's files and messages plus the files under the storage directory. */
export async function storedState(h: Harness, tenantId: number, storageDir: string) {
  const [row] = await sql(
    h,
    `SELECT (SELECT count(*)::int FROM files WHERE tenant_id = $1) AS files,
                                     (SELECT count(*)::int FROM messages WHERE tenant_id = $1) AS messages`,
    [tenantId],
  );
  return { files: Number(row!.files), messages: Number(row!.messages), onDisk: filesUnder(storageDir).length };
}

/** A harness storing files under a fresh temporary directory; `close` also removes the directory. */
export async function storageHarness(prefix: string): Promise<{ h: Harness; storageDir: string; close: () => Promise<void> }> {
  const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const h = await createHarness({ FLEXTELL_STORAGE_DIR: storageDir });
  const close = async () => {
    await h.close();
    fs.rmSync(storageDir, { recursive: true, force: true });
  };
  return { h, storageDir, close };
}
