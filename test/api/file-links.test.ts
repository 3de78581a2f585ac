import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { listedMessage } from '../support/requests.js';
import { sql } from '../support/factories.js';
import { multipartBody, PNG_BYTES, type FormPart } from '../support/multipart.js';
import {
  download as get,
  LINK,
  sendMedia as send,
  sentImage as sendImage,
  telegramTarget as newTarget,
  type Target,
  storageHarness,
} from '../support/media.js';

const FORBIDDEN_LINK = { error: 'forbidden', message: 'The link is invalid or has expired.' };

let h: Harness;
let storageDir: string;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => ({ h, storageDir, close } = await storageHarness('flextell-links-')));
afterAll(async () => close?.());

const telegramTarget = () => newTarget(h);
const sendMedia = (target: Target, parts: FormPart[]) => send(h, target, parts);
const sentImage = (target: Target) => sendImage(h, target);
const download = (url: string, headers: Record<string, string> = {}) => get(h, url, headers);

describe('GET /files/{id}/content (signed link)', () => {
  it('downloads the exact bytes without a token, with the file headers, and is rate-limited by client IP', async () => {
    const target = await telegramTarget();
    const { message } = await sentImage(target);
    const first = await download(message.file.temporary_url);
    expect(first.status, first.body).toBe(200);
    expect(first.raw).toEqual(PNG_BYTES);
    expect(first.headers).toMatchObject({
      'content-type': 'image/png',
      'content-length': String(PNG_BYTES.length),
      'content-disposition': `inline; filename="return-label.png"; filename*=UTF-8''return-label.png`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, max-age=900',
    });
    const second = await download(message.file.temporary_url, { authorization: 'Bearer not-a-token' });
    expect(second.status).toBe(200);
    expect(Number(second.headers['x-ratelimit-remaining'])).toBe(Number(first.headers['x-ratelimit-remaining']) - 1);
    h.clock.advance(100);
    expect((await download(message.file.temporary_url)).headers['cache-control']).toBe('private, max-age=800');
  });

  it('answers 403 for every tampered or expired link and 404 for a deleted file', async () => {
    const target = await telegramTarget();
    const { message } = await sentImage(target);
    const url: string = message.file.temporary_url;
    const [, id, tenant, expires, signature] = LINK.exec(url)!;
    const flip = (text: string) => text.slice(0, -1) + (text.endsWith('0') ? '1' : '0');
    const base = '/api/v1/files';
    const tampered = [
      `${base}/${id}/content?t=${flip(tenant!)}&expires=${expires}&signature=${signature}`,
      `${base}/${id}/content?t=${tenant}&expires=${flip(expires!)}&signature=${signature}`,
      `${base}/${flip(id!)}/content?t=${tenant}&expires=${expires}&signature=${signature}`,
      `${base}/${id}/content?t=${tenant}&expires=${expires}&signature=${flip(signature!)}`,
      `${base}/${id}/thumbnail?t=${tenant}&expires=${expires}&signature=${signature}`,
      `${base}/abc/content?t=${tenant}&expires=${expires}&signature=${signature}`,
      `${base}/${id}/content?t=${tenant}&expires=${expires}`,
      `${base}/${id}/content?t=${tenant}&t=${tenant}&expires=${expires}&signature=${signature}`,
      `${base}/${id}/content`,
    ];
    for (const link of tampered) {
      const response = await download(link);
      expect(response.status, link).toBe(403);
      expect(response.json).toEqual(FORBIDDEN_LINK);
      expect(response.headers['cache-control']).toBe('no-store');
    }
    h.clock.advance(901);
    const expired = await download(url);
    expect(expired.status).toBe(403);
    expect(expired.json).toEqual(FORBIDDEN_LINK);

    const fresh = (await listedMessage(h, target.token, target.conversationId, message.id)).file.temporary_url;
    await sql(h, 'UPDATE files SET deleted_at = now() WHERE tenant_id = $1 AND id = $2', [target.seed.tenant_id, message.file.id]);
    const gone = await download(fresh);
    expect(gone.status).toBe(404);
    expect(gone.json.error).toBe('not_found');
  });

  it('answers a single Range with 206 and the partial bytes', async () => {
    const target = await telegramTarget();
    const { message } = await sentImage(target);
    const partial = await download(message.file.temporary_url, { range: 'bytes=8-15' });
    expect(partial.status).toBe(206);
    expect(partial.raw).toEqual(PNG_BYTES.subarray(8, 16));
    expect(partial.headers).toMatchObject({ 'content-range': `bytes 8-15/${PNG_BYTES.length}`, 'content-length': '8', 'content-type': 'image/png' });
    const suffix = await download(message.file.temporary_url, { range: 'bytes=-4' });
    expect(suffix.status).toBe(206);
    expect(suffix.raw).toEqual(PNG_BYTES.subarray(PNG_BYTES.length - 4));
    const open = await download(message.file.temporary_url, { range: 'bytes=60-' });
    expect(open.raw).toEqual(PNG_BYTES.subarray(60));
    const several = await download(message.file.temporary_url, { range: 'bytes=0-1,4-5' });
    expect(several.status).toBe(200);
    expect(several.raw).toEqual(PNG_BYTES);
  });

  it('answers 416 with Content-Range bytes */size for a range past the end, in the error envelope', async () => {
    const target = await telegramTarget();
    const { message } = await sentImage(target);
    for (const range of [`bytes=${PNG_BYTES.length}-`, `bytes=${PNG_BYTES.length + 10}-${PNG_BYTES.length + 20}`, 'bytes=-0']) {
      const response = await download(message.file.temporary_url, { range });
      expect(response.status, range).toBe(416);
      expect(response.headers['content-range'], range).toBe(`bytes */${PNG_BYTES.length}`);
      expect(response.json, range).toEqual({ error: 'range_not_satisfiable', message: 'The requested range is not satisfiable.' });
      expect(response.headers['content-type'], range).toBe('application/json; charset=utf-8');
    }
    const last = await download(message.file.temporary_url, { range: `bytes=${PNG_BYTES.length - 1}-` });
    expect(last.status).toBe(206);
    expect(last.raw).toEqual(PNG_BYTES.subarray(PNG_BYTES.length - 1));
  });

  it('sends other types as attachments with an ASCII fallback name', async () => {
    const target = await telegramTarget();
    // Browsers send a `"` in a file name as %22 (HTML multipart encoding); the name is kept as sent.
    const response = await sendMedia(target, [{ name: 'file', filename: 'Sipariş (özet) 😀.txt', contentType: 'text/plain', data: 'özet' }]);
    expect(response.status, response.body).toBe(200);
    const message = await listedMessage(h, target.token, target.conversationId, Number(response.json.data.message_id));
    expect(message.file.name).toBe('Sipariş (özet) 😀.txt');
    const file = await download(message.file.temporary_url);
    expect(file.headers['content-disposition']).toBe(
      `attachment; filename="Sipari_ (_zet) _.txt"; filename*=UTF-8''Sipari%C5%9F%20%28%C3%B6zet%29%20%F0%9F%98%80.txt`,
    );
    expect(file.headers['content-type']).toBe('text/plain');
    expect(file.raw.toString()).toBe('özet');
  });
});

describe('rate limit of signed links', () => {
  it('counts link downloads by client IP, valid or not, and answers 429 past the limit', async () => {
    const limited = await createHarness({ FLEXTELL_STORAGE_DIR: storageDir, FLEXTELL_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const seed = await limited.seedTenant({ conversations: 8 });
      const list = await limited.request({ url: '/api/v1/conversations?channel_type=telegram', token: seed.access_token });
      const { payload, contentType } = multipartBody([{ name: 'file', filename: 'a.png', data: PNG_BYTES }]);
      const sent = await limited.request({
        method: 'POST',
        url: `/api/v1/conversations/${list.json.data[0].id}/messages/media`,
        token: seed.access_token,
        headers: { 'content-type': contentType },
        payload,
      });
      expect(sent.status, sent.body).toBe(200);
      const messages = await limited.request({ url: `/api/v1/conversations/${list.json.data[0].id}/messages`, token: seed.access_token });
      const link = String(messages.json.data[0].file.temporary_url).replace('http://127.0.0.1:8080', '');
      const get = (url: string) => limited.app.inject({ method: 'GET', url, headers: { host: '127.0.0.1:8080' } });
      expect((await get(link)).statusCode).toBe(200);
      expect((await get(`${link}0`)).statusCode).toBe(403);
      const third = await get(link);
      expect([third.statusCode, third.headers['x-ratelimit-remaining']]).toEqual([200, '0']);
      const refused = await get(link);
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error).toBe('rate_limit_exceeded');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
    }
  });
});
