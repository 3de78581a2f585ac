import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('smoke', () => {
  it('lists seeded conversations', async () => {
    const seed = await h.seedTenant({ conversations: 20 });
    const response = await h.request({ url: '/api/v1/conversations', token: seed.access_token });
    expect(response.status, response.body).toBe(200);
    expect(response.json.meta.total).toBe(20);
    expect(response.json.data).toHaveLength(15);
    console.log(JSON.stringify(response.json.data[0]), JSON.stringify(response.json.links), response.headers);
  });
});
