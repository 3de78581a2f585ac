import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { conversationOn, listedMessage } from '../support/requests.js';
import { sql } from '../support/factories.js';
import { FakeS3 } from '../support/fake-s3.js';
import { multipartBody, PNG_BYTES, streamedFileBody, type FormPart } from '../support/multipart.js';

const s3 = new FakeS3('test', 'test-key');
let h: Harness;
beforeAll(async () => {
  const endpoint = await s3.start();
  h = await createHarness({
    STORAGE_DRIVER: 's3',
    S3_ENDPOINT: endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_BUCKET: 'test',
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'test-key',
    S3_SECRET_ACCESS_KEY: 'test-secret',
  });
});
afterAll(async () => {
  await h?.close();
  await s3.stop();
});

async function telegramTarget() {
  const seed = await h.seedTenant({ conversations: 8 });
  const conversation = await conversationOn(h, seed, 'telegram');
  return { seed, token: seed.access_token, url: `/api/v1/conversations/${conversation.id}/messages/media`, conversationId: conversation.id as number };
}

async function post(target: Awaited<ReturnType<typeof telegramTarget>>, parts: FormPart[]) {
  const { payload, contentType } = multipartBody(parts);
  return h.request({ method: 'POST', url: target.url, token: target.token, headers: { 'content-type': contentType }, payload });
}

function download(url: string, headers: Record<string, string> = {}) {
  return h.app.inject({ method: 'GET', url: url.replace('http://127.0.0.1:8080', ''), headers: { host: '127.0.0.1:8080', ...headers } });
}

describe('S3 storage (STORAGE_DRIVER=s3)', () => {
  it('stores a media upload in the bucket and serves it back through the signed link, ranges included', async () => {
    const target = await telegramTarget();
    const response = await post(target, [{ name: 'file', filename: 'return-label.png', contentType: 'application/octet-stream', data: PNG_BYTES }]);
    expect(response.status, response.body).toBe(200);
    const message = await listedMessage(h, target.token, target.conversationId, Number(response.json.data.message_id));
    expect(message.file).toMatchObject({ mime_type: 'image/png', size: PNG_BYTES.length, name: 'return-label.png' });
    const [row] = await sql(h, 'SELECT storage_key FROM files WHERE tenant_id = $1 AND id = $2', [target.seed.tenant_id, message.file.id]);
    const object = s3.objects.get(row!.storage_key);
    expect(object?.body).toEqual(PNG_BYTES);
    expect(object?.contentType).toBe('image/png');
    expect(s3.operations).toContain(`PutObject ${row!.storage_key}`);

    const whole = await download(message.file.temporary_url);
    expect(whole.statusCode).toBe(200);
    expect(whole.rawPayload).toEqual(PNG_BYTES);
    expect(whole.headers).toMatchObject({ 'content-type': 'image/png', 'content-length': String(PNG_BYTES.length) });
    const partial = await download(message.file.temporary_url, { range: 'bytes=1-3' });
    expect(partial.statusCode).toBe(206);
    expect(partial.rawPayload.toString('latin1')).toBe('PNG');
    expect(partial.headers['content-range']).toBe(`bytes 1-3/${PNG_BYTES.length}`);
    expect(s3.operations).toContain(`GetObject ${row!.storage_key} bytes=1-3`);

    s3.objects.delete(row!.storage_key);
    const missing = await download(message.file.temporary_url);
    expect(missing.statusCode).toBe(404);
  });

  it('streams a large upload as a multipart upload', async () => {
    const target = await telegramTarget();
    const body = streamedFileBody(12 * 1024 * 1024 + 5, PNG_BYTES);
    const response = await h.app.inject({
      method: 'POST',
      url: target.url,
      payload: body.stream,
      headers: { host: '127.0.0.1:8080', authorization: `Bearer ${target.token}`, 'content-type': body.contentType, 'content-length': String(body.length) },
    });
    expect(response.statusCode, response.body).toBe(200);
    const [row] = await sql(h, `SELECT storage_key, size FROM files WHERE tenant_id = $1`, [target.seed.tenant_id]);
    expect(Number(row!.size)).toBe(12 * 1024 * 1024 + 5);
    expect(s3.objects.get(row!.storage_key)?.body.length).toBe(12 * 1024 * 1024 + 5);
    expect(s3.operations).toContain(`CompleteMultipartUpload ${row!.storage_key}`);
  });

  it('aborts the multipart upload of a file over the limit and deletes the object of a refused send', async () => {
    const target = await telegramTarget();
    const objects = s3.objects.size;
    const over = streamedFileBody(52_428_801);
    const response = await h.app.inject({
      method: 'POST',
      url: target.url,
      payload: over.stream,
      headers: { host: '127.0.0.1:8080', authorization: `Bearer ${target.token}`, 'content-type': over.contentType, 'content-length': String(over.length) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ error: 'payload_too_large', message: 'The file field must not be greater than 51200 kilobytes.' });
    expect(s3.operations.some((operation) => operation.startsWith('AbortMultipartUpload'))).toBe(true);
    expect(s3.uploads.size).toBe(0);
    expect(s3.objects.size).toBe(objects);

    await sql(h, 'UPDATE channels SET is_active = false WHERE tenant_id = $1 AND id = $2', [target.seed.tenant_id, target.seed.channels.telegram]);
    const refused = await post(target, [{ name: 'file', filename: 'a.png', data: PNG_BYTES }]);
    expect(refused.json.error).toBe('channel_inactive');
    expect(s3.objects.size).toBe(objects);
    expect(s3.operations.at(-1)).toMatch(/^DeleteObject /);
    expect((await sql(h, 'SELECT count(*)::int AS n FROM files WHERE tenant_id = $1', [target.seed.tenant_id]))[0]!.n).toBe(0);
  });
});
