/**
 * Helpers of the channel blacklist tests (docs/domain-rules.md#channel-blacklist): customers written directly, and the four
 * /channel-blacklists calls.
 */
import { expect } from 'vitest';
import type { Harness, TestResponse } from './harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { apiTime } from './shapes.js';
import { sql } from './factories.js';

export const BLACKLIST_URL = '/api/v1/channel-blacklists';
export const ENTRY_NOT_FOUND = { error: 'not_found', message: 'Blacklist entry not found.' };
export const ALREADY_BLOCKED = { error: 'conflict', message: 'The customer is already blocked on this channel.' };

export interface TestCustomer {
  id: number;
  first_name: string | null;
  last_name: string | null;
  phone_number: string | null;
  email: string | null;
}

let customerCounter = 0;

/** A live customer of the tenant (written directly: the customers API is not needed to block one). */
export async function insertCustomer(h: Harness, tenantId: number, fields: Partial<Omit<TestCustomer, 'id'>> = {}): Promise<TestCustomer> {
  customerCounter += 1;
  const values = {
    first_name: 'Ayşe',
    last_name: 'Yılmaz',
    phone_number: `+9053212${String(customerCounter).padStart(5, '0')}`,
    email: null,
    ...fields,
  };
  const [row] = await sql<{ id: number }>(
    h,
    'INSERT INTO customers (tenant_id, first_name, last_name, phone_number, email) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [tenantId, values.first_name, values.last_name, values.phone_number, values.email],
  );
  return { id: Number(row!.id), ...values };
}

/** The channel summary a ChannelBlacklistResource shows. */
export async function channelSummary(h: Harness, tenantId: number, channelId: number): Promise<{ id: number; name: string; address: string }> {
  const [row] = await sql(h, 'SELECT name, address FROM channels WHERE tenant_id = $1 AND id = $2', [tenantId, channelId]);
  return { id: channelId, name: row!.name, address: row!.address };
}

export function postBlock(h: Harness, token: string, body: unknown): Promise<TestResponse> {
  return h.request({ method: 'POST', url: BLACKLIST_URL, token, body });
}

export function putEntry(h: Harness, token: string, id: number | string, body: unknown): Promise<TestResponse> {
  return h.request({ method: 'PUT', url: `${BLACKLIST_URL}/${id}`, token, body });
}

export function deleteEntry(h: Harness, token: string, id: number | string): Promise<TestResponse> {
  return h.request({ method: 'DELETE', url: `${BLACKLIST_URL}/${id}`, token });
}

export function listEntries(h: Harness, token: string, query = ''): Promise<TestResponse> {
  return h.request({ url: `${BLACKLIST_URL}${query}`, token });
}

/** POST a block and return its resource (asserts 201). */
export async function block(h: Harness, seed: SeedResult, body: Record<string, unknown>): Promise<any> {
  const response = await postBlock(h, seed.access_token, { reason: 'manual', ...body });
  expect(response.status, response.body).toBe(201);
  return response.json.data;
}

/** The ids of the listed entries, in list order (asserts 200). */
export async function listedIds(h: Harness, token: string, query = ''): Promise<number[]> {
  const response = await listEntries(h, token, query);
  expect(response.status, response.body).toBe(200);
  return response.json.data.map((entry: { id: number }) => entry.id);
}

/** The listed resource of one entry (asserts it is listed). */
export async function listedEntry(h: Harness, seed: SeedResult, id: number): Promise<any> {
  const response = await listEntries(h, seed.access_token, '?per_page=100');
  expect(response.status, response.body).toBe(200);
  const entry = response.json.data.find((row: { id: number }) => row.id === id);
  expect(entry, `entry ${id} is listed`).toBeDefined();
  return entry;
}

/** A timestamp `seconds` after the clock's now, in the API's format. */
export function apiTimeIn(h: Harness, seconds: number): string {
  return apiTime(new Date(h.clock.now().getTime() + seconds * 1000));
}

/** A tenant without demo data, one live customer of it, and the WhatsApp channel to block it on. */
export async function tenantWithCustomer(h: Harness): Promise<{ seed: SeedResult; customer: TestCustomer; channelId: number }> {
  const seed = await h.seedTenant({ conversations: 0, customers: 0 });
  return { seed, customer: await insertCustomer(h, seed.tenant_id), channelId: seed.channels.whatsapp };
}
