import { expect } from 'vitest';
import type { Harness, TestResponse } from './harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

/** CustomerResource keys in order (docs/responses.md#resources). */
export const CUSTOMER_KEYS = [
  'id',
  'first_name',
  'last_name',
  'phone_number',
  'email',
  'date_of_birth',
  'gender',
  'country_name',
  'identity_number',
  'job',
  'address',
  'default_channel_id',
  'avatar_url',
  'related_user',
  'created_at',
  'updated_at',
  'deleted_at',
];
export const NOT_FOUND_CUSTOMER = { error: 'not_found', message: 'Customer not found.' };

/** A tenant of its own without demo customers, so lists and totals hold only what a test creates. */
export function emptyTenant(h: Harness): Promise<SeedResult> {
  return h.seedTenant({ conversations: 0, customers: 0 });
}

export function postCustomer(h: Harness, seed: SeedResult, body: unknown, token = seed.access_token): Promise<TestResponse> {
  return h.request({ method: 'POST', url: '/api/v1/customers', token, body });
}

export function putCustomer(h: Harness, seed: SeedResult, id: number | string, body: unknown, token = seed.access_token): Promise<TestResponse> {
  return h.request({ method: 'PUT', url: `/api/v1/customers/${id}`, token, body });
}

export function getCustomer(h: Harness, seed: SeedResult, id: number | string, token = seed.access_token): Promise<TestResponse> {
  return h.request({ url: `/api/v1/customers/${id}`, token });
}

export function deleteCustomer(h: Harness, seed: SeedResult, id: number | string, token = seed.access_token): Promise<TestResponse> {
  return h.request({ method: 'DELETE', url: `/api/v1/customers/${id}`, token });
}

export function listCustomers(h: Harness, seed: SeedResult, query = '', token = seed.access_token): Promise<TestResponse> {
  return h.request({ url: `/api/v1/customers${query}`, token });
}

/** Creates a customer through the API and returns its resource. */
export async function newCustomer(h: Harness, seed: SeedResult, body: Record<string, unknown>): Promise<any> {
  const response = await postCustomer(h, seed, { first_name: 'Test', ...body });
  expect(response.status, response.body).toBe(201);
  return response.json.data;
}

/** The ids a list query answers, in order (one page of up to 100). */
export async function listedIds(h: Harness, seed: SeedResult, query = ''): Promise<number[]> {
  const separator = query === '' ? '?' : '&';
  const response = await listCustomers(h, seed, `${query}${separator}per_page=100`);
  expect(response.status, response.body).toBe(200);
  return response.json.data.map((customer: { id: number }) => customer.id);
}
