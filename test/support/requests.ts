/** API calls the tests make again and again (conversations, messages), each with the seed's owner token by default. */
import { expect } from 'vitest';
import type { Harness, TestResponse } from './harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

/** POST /api/v1/conversations with the seed's owner token. */
export function postConversation(h: Harness, seed: SeedResult, body: unknown, token = seed.access_token): Promise<TestResponse> {
  return h.request({ method: 'POST', url: '/api/v1/conversations', token, body });
}

/** GET /api/v1/conversations (+ query) with the seed's owner token. */
export function listConversations(h: Harness, seed: SeedResult, query = '', headers?: Record<string, string>): Promise<TestResponse> {
  return h.request({ url: `/api/v1/conversations${query}`, token: seed.access_token, headers });
}

/** Every conversation of the tenant as the API lists them (all pages of 100). */
export async function allConversations(h: Harness, seed: SeedResult, query = ''): Promise<any[]> {
  const rows: any[] = [];
  for (let page = 1; ; page++) {
    const separator = query === '' ? '?' : `${query}&`;
    const response = await listConversations(h, seed, `${separator}per_page=100&page=${page}`);
    expect(response.status, response.body).toBe(200);
    rows.push(...response.json.data);
    if (page >= response.json.meta.last_page) return rows;
  }
}

/** The first listed (newest) conversation of the seed on a channel type. */
export async function conversationOn(h: Harness, seed: SeedResult, type: 'whatsapp' | 'instagram' | 'website' | 'telegram'): Promise<any> {
  const response = await listConversations(h, seed, `?channel_type=${type}`);
  expect(response.status, response.body).toBe(200);
  expect(response.json.data.length, `a ${type} conversation exists`).toBeGreaterThan(0);
  return response.json.data[0];
}

/** GET /api/v1/conversations/{id} → data (asserts 200). */
export async function getConversation(h: Harness, token: string, id: number): Promise<any> {
  const response = await h.request({ url: `/api/v1/conversations/${id}`, token });
  expect(response.status, response.body).toBe(200);
  return response.json.data;
}

/** GET /api/v1/conversations/{id}/messages (+ query). */
export function listMessages(h: Harness, token: string, id: number, query = ''): Promise<TestResponse> {
  return h.request({ url: `/api/v1/conversations/${id}/messages${query}`, token });
}

/** Every message of a conversation, newest first, as the API lists them (asserts 200 on each page). */
export async function allMessages(h: Harness, token: string, id: number): Promise<any[]> {
  const rows: any[] = [];
  for (let page = 1; ; page++) {
    const response = await listMessages(h, token, id, `?per_page=100&page=${page}`);
    expect(response.status, response.body).toBe(200);
    rows.push(...response.json.data);
    if (page >= response.json.meta.last_page) return rows;
  }
}

/** One listed message of a conversation by id. */
export async function listedMessage(h: Harness, token: string, conversationId: number, messageId: number): Promise<any> {
  const row = (await allMessages(h, token, conversationId)).find((message) => message.id === messageId);
  expect(row, `message ${messageId} is listed`).toBeDefined();
  return row;
}

/** POST /api/v1/conversations/{id}/messages. */
export function sendText(h: Harness, token: string, id: number, body: unknown): Promise<TestResponse> {
  return h.request({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, token, body });
}

/** Sends a text and returns the new message id (asserts 200). */
export async function sentMessageId(h: Harness, token: string, id: number, text: string): Promise<number> {
  const response = await sendText(h, token, id, { message: text });
  expect(response.status, response.body).toBe(200);
  return Number(response.json.data.message_id);
}

/** POST /api/v1/conversations on the seed's channel of this type; returns the new conversation's id (asserts 201). */
export async function newConversation(h: Harness, seed: SeedResult, type: 'whatsapp' | 'instagram' | 'website' | 'telegram', address: string): Promise<number> {
  const response = await postConversation(h, seed, { channel_id: seed.channels[type], address });
  expect(response.status, response.body).toBe(201);
  return response.json.data.id;
}
