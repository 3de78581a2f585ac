/**
 * Idempotency-Key on a media upload (docs/idempotency.md#the-same-request): the multipart body is read before the
 * key is checked and fingerprinted part by part, so another boundary is the same request; bytes of a replayed or
 * refused upload are not kept.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { sendMedia, storageHarness, storedState, telegramTarget } from '../support/media.js';
import { PNG_BYTES, type FormPart } from '../support/multipart.js';

let h: Harness;
let storageDir: string;
let close: () => Promise<void>;
beforeAll(async () => ({ h, storageDir, close } = await storageHarness('flextell-idempotency-')));
afterAll(async () => close?.());

const image = (caption: string, bytes: Buffer = PNG_BYTES): FormPart[] => [
  { name: 'file', filename: 'label.png', contentType: 'application/octet-stream', data: bytes },
  { name: 'message', data: caption },
];

it('an upload repeated with its key (another boundary) is replayed; other bytes are 422; one file is kept', async () => {
  const target = await telegramTarget(h);
  const headers = { 'idempotency-key': crypto.randomUUID() };
  const before = await storedState(h, target.seed.tenant_id, storageDir);
  const first = await sendMedia(h, target, image('the label'), headers);
  expect(first.status, first.body).toBe(200);
  const again = await sendMedia(h, target, image('the label'), headers);
  expect(again.status).toBe(200);
  expect(again.body).toBe(first.body);
  expect(again.headers['idempotent-replayed']).toBe('true');
  const otherBytes = Buffer.concat([PNG_BYTES, Buffer.from('more')]);
  const other = await sendMedia(h, target, image('the label', otherBytes), headers);
  expect(other.status).toBe(422);
  expect(other.json.error).toBe('idempotency_key_reused');
  const renamed = await sendMedia(h, target, [{ ...image('the label')[0]!, filename: 'other.png' }, image('the label')[1]!], headers);
  expect(renamed.status).toBe(422);
  expect(await storedState(h, target.seed.tenant_id, storageDir)).toEqual({
    files: before.files + 1,
    messages: before.messages + 1,
    onDisk: before.onDisk + 1,
  });
});

it('an upload to an unknown conversation with a key is 404, releases the key and keeps no bytes', async () => {
  const target = await telegramTarget(h);
  const headers = { 'idempotency-key': crypto.randomUUID() };
  const before = await storedState(h, target.seed.tenant_id, storageDir);
  const missing = await sendMedia(h, { ...target, conversationId: 999_999_999 }, image('nowhere'), headers);
  expect(missing.status).toBe(404);
  expect(await storedState(h, target.seed.tenant_id, storageDir)).toEqual(before);
  const sent = await sendMedia(h, target, image('somewhere'), headers);
  expect(sent.status, sent.body).toBe(200);
  expect(sent.headers['idempotent-replayed']).toBeUndefined();
});
