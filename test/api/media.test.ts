import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { MESSAGE_KEYS, TIMESTAMP } from '../support/shapes.js';
import { expectValidationError } from '../support/assertions.js';
import { listedMessage } from '../support/requests.js';
import { sql } from '../support/factories.js';
import { filesUnder, multipartBody, PNG_BYTES, streamedFileBody, type FormPart } from '../support/multipart.js';
import { FILE_KEYS, LINK, sendMedia as send, sentImage, storedState, telegramTarget as newTarget, type Target, storageHarness } from '../support/media.js';

const TOO_LARGE = { error: 'payload_too_large', message: 'The file field must not be greater than 51200 kilobytes.' };
const LIMIT = 52_428_800;

let h: Harness;
let storageDir: string;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => ({ h, storageDir, close } = await storageHarness('flextell-media-')));
afterAll(async () => close?.());

const telegramTarget = () => newTarget(h);
const sendMedia = (target: Target, parts: FormPart[]) => send(h, target, parts);
const stored = (tenantId: number) => storedState(h, tenantId, storageDir);

/** "Nothing is stored": no new row, no new file on disk, and no partial upload left behind. */
async function expectNothingStored(target: Target, before: Awaited<ReturnType<typeof stored>>): Promise<void> {
  expect(await stored(target.seed.tenant_id)).toEqual(before);
  expect(filesUnder(storageDir).filter((file) => file.endsWith('.part'))).toEqual([]);
}

describe('POST /conversations/{id}/messages/media', () => {
  it('stores PNG bytes declared as octet-stream as an image with its caption, and lists it with a FileResource', async () => {
    const target = await telegramTarget();
    const { response, messageId, message } = await sentImage(h, target, '  İade etiketiniz ektedir.  ');
    expect(Object.keys(response.json)).toEqual(['success', 'data']);
    expect(response.json).toEqual({
      success: 'Media message sent successfully.',
      data: { status: 'queued', message_id: String(messageId), conversation_id: String(target.conversationId) },
    });
    expect(Object.keys(message)).toEqual(MESSAGE_KEYS);
    expect(message).toMatchObject({ message_type: 'image', message: 'İade etiketiniz ektedir.', is_customer: false, user_id: target.seed.user_id });
    const file = message.file;
    expect(Object.keys(file)).toEqual(FILE_KEYS);
    expect(file).toEqual({
      id: expect.any(Number),
      name: 'return-label.png',
      description: null,
      type: 'image',
      mime_type: 'image/png',
      size: PNG_BYTES.length,
      formatted_size: `${PNG_BYTES.length} B`,
      group_id: null,
      fileable_type: 'conversation_message',
      fileable_id: messageId,
      temporary_url: expect.stringMatching(LINK),
      temporary_thumbnail_url: null,
      created_at: expect.stringMatching(TIMESTAMP),
      updated_at: expect.stringMatching(TIMESTAMP),
      deleted_at: null,
    });
    const [, linkId, linkTenant, expires] = LINK.exec(file.temporary_url)!;
    expect([Number(linkId), Number(linkTenant)]).toEqual([file.id, target.seed.tenant_id]);
    expect(Number(expires)).toBe(Math.floor(h.clock.now().getTime() / 1000) + 900);
    expect(message.file_temporary_url).toBe(file.temporary_url);

    const conversation = await h.request({ url: `/api/v1/conversations/${target.conversationId}`, token: target.token });
    expect(conversation.json.data).toMatchObject({ last_message_type: 'image', last_message: 'İade etiketiniz ektedir.', last_message_id: String(messageId) });
    const [row] = await sql(h, 'SELECT storage_key FROM files WHERE tenant_id = $1 AND id = $2', [target.seed.tenant_id, file.id]);
    expect(row!.storage_key).toMatch(new RegExp(`^${target.seed.tenant_id}/\\d{4}/\\d{2}/[0-9a-f]{40}$`));
    expect(fs.readFileSync(path.join(storageDir, row!.storage_key))).toEqual(PNG_BYTES);
  });

  it('keeps a declared type for unrecognised bytes, names a nameless file, and stores no caption as null', async () => {
    const target = await telegramTarget();
    const response = await sendMedia(target, [
      { name: 'file', filename: 'C:\\Users\\deniz\\not\u0007es.txt', contentType: 'text/plain; charset=utf-8', data: 'plain text' },
      { name: 'message', data: '   ' },
    ]);
    expect(response.status, response.body).toBe(200);
    const message = await listedMessage(h, target.token, target.conversationId, Number(response.json.data.message_id));
    expect(message).toMatchObject({ message_type: 'document', message: null });
    expect(message.file).toMatchObject({ name: 'notes.txt', type: 'document', mime_type: 'text/plain', size: 10 });

    const nameless = await sendMedia(target, [{ name: 'file', contentType: 'application/octet-stream', data: Buffer.from([0, 1, 2, 3]) }]);
    expect(nameless.status, nameless.body).toBe(200);
    const second = await listedMessage(h, target.token, target.conversationId, Number(nameless.json.data.message_id));
    expect(second.file).toMatchObject({ name: 'file.bin', type: 'document', mime_type: 'application/octet-stream' });
    const pdf = await sendMedia(target, [{ name: 'file', filename: '', contentType: 'application/octet-stream', data: '%PDF-1.4\n%\xe2\xe3\n1 0 obj\n' }]);
    expect(pdf.status, pdf.body).toBe(200);
    const third = await listedMessage(h, target.token, target.conversationId, Number(pdf.json.data.message_id));
    expect(third.file).toMatchObject({ name: 'file.pdf', mime_type: 'application/pdf' });
  });

  it('answers 422 for a missing, textual or empty file and an over-long caption, storing nothing', async () => {
    const target = await telegramTarget();
    const before = await stored(target.seed.tenant_id);
    const required = ['The file field is required.'];
    const notFile = ['The file field must be a file.'];
    expectValidationError(await sendMedia(target, [{ name: 'message', data: 'hello' }]), { file: required });
    expectValidationError(await sendMedia(target, [{ name: 'file', data: '' }]), { file: required });
    expectValidationError(await sendMedia(target, [{ name: 'file', data: 'not a file' }]), { file: notFile });
    expectValidationError(await sendMedia(target, [{ name: 'file', filename: 'empty.png', contentType: 'image/png', data: '' }]), { file: notFile });
    expectValidationError(
      await sendMedia(target, [
        { name: 'file', filename: 'a.png', data: PNG_BYTES },
        { name: 'message', data: 'é'.repeat(5001) },
      ]),
      { message: ['The message field must not be greater than 5000 characters.'] },
    );
    expectValidationError(await sendMedia(target, [{ name: 'message', data: 'é'.repeat(5001) }]), {
      file: required,
      message: ['The message field must not be greater than 5000 characters.'],
    });
    const noBody = await h.request({ method: 'POST', url: `/api/v1/conversations/${target.conversationId}/messages/media`, token: target.token });
    expectValidationError(noBody, { file: required });
    await expectNothingStored(target, before);
    // 5000 characters are fine.
    const ok = await sendMedia(target, [
      { name: 'file', filename: 'a.png', data: PNG_BYTES },
      { name: 'message', data: 'é'.repeat(5000) },
    ]);
    expect(ok.status, ok.body).toBe(200);
  });

  it("answers 415 for any other content type and 404 for another tenant's conversation, storing nothing", async () => {
    const target = await telegramTarget();
    const other = await telegramTarget();
    const before = await stored(target.seed.tenant_id);
    const url = `/api/v1/conversations/${target.conversationId}/messages/media`;
    const unsupported = { error: 'unsupported_media_type', message: 'The Content-Type must be multipart/form-data.' };
    for (const [type, payload] of [
      ['application/json', '{"message":"hi"}'],
      ['application/json', '{bad'],
      ['text/plain', 'hello'],
      ['application/x-www-form-urlencoded', 'file=x'],
    ]) {
      const response = await h.request({ method: 'POST', url, token: target.token, headers: { 'content-type': type! }, payload });
      expect(response.status, type).toBe(415);
      expect(response.json).toEqual(unsupported);
    }
    const foreign = await sendMedia({ ...target, conversationId: other.conversationId }, [{ name: 'file', filename: 'a.png', data: PNG_BYTES }]);
    expect(foreign.status).toBe(404);
    expect(foreign.json).toEqual({ error: 'not_found', message: 'Conversation not found.' });
    await expectNothingStored(target, before);
    // Only the media route parses multipart: a JSON route still refuses it.
    const form = multipartBody([{ name: 'message', data: 'hi' }]);
    const json = await h.request({
      method: 'POST',
      url: `/api/v1/conversations/${target.conversationId}/messages`,
      token: target.token,
      headers: { 'content-type': form.contentType },
      payload: form.payload,
    });
    expect(json.status).toBe(415);
    expect(json.json).toEqual({ error: 'unsupported_media_type', message: 'The Content-Type must be application/json.' });
  });

  it('answers 400 for a malformed multipart body, storing nothing', async () => {
    const target = await telegramTarget();
    const before = await stored(target.seed.tenant_id);
    const url = `/api/v1/conversations/${target.conversationId}/messages/media`;
    const { payload, contentType } = multipartBody([{ name: 'file', filename: 'a.png', data: Buffer.concat([PNG_BYTES, Buffer.alloc(10_000)]) }]);
    const truncated = await h.request({
      method: 'POST',
      url,
      token: target.token,
      headers: { 'content-type': contentType },
      payload: payload.subarray(0, 6000),
    });
    const noBoundary = await h.request({ method: 'POST', url, token: target.token, headers: { 'content-type': 'multipart/form-data' }, payload });
    for (const response of [truncated, noBoundary]) {
      expect(response.status, response.body).toBe(400);
      expect(response.json).toEqual({ error: 'invalid_request', message: 'The multipart body is malformed.' });
    }
    await expectNothingStored(target, before);
  });

  it('removes the stored bytes when the send is refused after the upload (channel switched off)', async () => {
    const target = await telegramTarget();
    await sql(h, 'UPDATE channels SET is_active = false WHERE tenant_id = $1 AND id = $2', [target.seed.tenant_id, target.seed.channels.telegram]);
    const before = await stored(target.seed.tenant_id);
    const response = await sendMedia(target, [
      { name: 'file', filename: 'a.png', data: PNG_BYTES },
      { name: 'message', data: 'hi' },
    ]);
    expect(response.status, response.body).toBe(422);
    expect(response.json.error).toBe('channel_inactive');
    await expectNothingStored(target, before);
    // Validation comes first (docs/request-checks.md#order-of-checks): an over-long caption is a validation error even on a switched-off channel.
    const invalid = await sendMedia(target, [
      { name: 'file', filename: 'a.png', data: PNG_BYTES },
      { name: 'message', data: 'x'.repeat(5001) },
    ]);
    expect(invalid.json.error).toBe('validation_error');
    await expectNothingStored(target, before);
  });

  it('answers 413 for a file one byte over 51,200 KB and for an announced oversized body; accepts exactly 51,200 KB', async () => {
    const target = await telegramTarget();
    const url = `/api/v1/conversations/${target.conversationId}/messages/media`;
    const before = await stored(target.seed.tenant_id);
    const over = streamedFileBody(LIMIT + 1, PNG_BYTES);
    const tooBig = await h.app.inject({
      method: 'POST',
      url,
      payload: over.stream,
      headers: { host: '127.0.0.1:8080', authorization: `Bearer ${target.token}`, 'content-type': over.contentType, 'content-length': String(over.length) },
    });
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json()).toEqual(TOO_LARGE);
    await expectNothingStored(target, before);

    const { payload, contentType } = multipartBody([{ name: 'file', filename: 'a.png', data: PNG_BYTES }]);
    const announced = await h.request({
      method: 'POST',
      url,
      token: target.token,
      headers: { 'content-type': contentType, 'content-length': String(LIMIT + 1_048_577) },
      payload,
    });
    expect(announced.status).toBe(413);
    expect(announced.json).toEqual(TOO_LARGE);
    await expectNothingStored(target, before);

    const exact = streamedFileBody(LIMIT);
    const accepted = await h.app.inject({
      method: 'POST',
      url,
      payload: exact.stream,
      headers: { host: '127.0.0.1:8080', authorization: `Bearer ${target.token}`, 'content-type': exact.contentType, 'content-length': String(exact.length) },
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    const message = await listedMessage(h, target.token, target.conversationId, Number(accepted.json().data.message_id));
    expect(message.file).toMatchObject({ size: LIMIT, formatted_size: '50 MB', name: 'big.bin' });
    const [row] = await sql(h, 'SELECT storage_key FROM files WHERE tenant_id = $1 AND id = $2', [target.seed.tenant_id, message.file.id]);
    expect(fs.statSync(path.join(storageDir, row!.storage_key)).size).toBe(LIMIT);
  });
});
