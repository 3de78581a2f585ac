import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('smoke', () => {
  it('lists seeded conversations and their messages, sends, edits and deletes', async () => {
    const seed = await h.seedTenant({ conversations: 20 });
    const token = seed.access_token;
    const list = await h.request({ url: '/api/v1/conversations?channel_type=telegram', token });
    expect(list.status, list.body).toBe(200);
    const conversation = list.json.data[0];
    const messages = await h.request({ url: `/api/v1/conversations/${conversation.id}/messages`, token });
    expect(messages.status, messages.body).toBe(200);
    expect(messages.json.data[0].id).toBe(Number(conversation.last_message_id));
    const sent = await h.request({
      method: 'POST',
      url: `/api/v1/conversations/${conversation.id}/messages`,
      token,
      body: { message: 'Hi there', quoted_message_id: messages.json.data[0].id },
    });
    expect(sent.status, sent.body).toBe(200);
    expect(sent.json.data.status).toBe('queued');
    const edited = await h.request({
      method: 'PUT',
      url: `/api/v1/conversations/${conversation.id}/messages/${sent.json.data.message_id}`,
      token,
      body: { message: 'Hello there' },
    });
    expect(edited.status, edited.body).toBe(200);
    expect(edited.json.data.is_edited).toBe(true);
    const after = await h.request({ url: `/api/v1/conversations/${conversation.id}`, token });
    expect(after.json.data.last_message).toBe('Hello there');
    const deleted = await h.request({ method: 'DELETE', url: `/api/v1/conversations/${conversation.id}/messages/${sent.json.data.message_id}`, token });
    expect(deleted.json).toEqual({ success: 'Message deleted successfully.', data: { message: 'Message deleted successfully.' } });
  });
});
