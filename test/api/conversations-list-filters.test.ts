/**
 * GET /api/v1/conversations: order (docs/domain-rules.md#conversations), `search` and `channel_type` filters, exact totals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { expectValidationError } from '../support/assertions.js';
import { allConversations, listConversations, postConversation } from '../support/requests.js';
import { sql } from '../support/factories.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const API = 'http://127.0.0.1:8080/api/v1/conversations';

/** (last_message_at DESC NULLS LAST, id DESC) over what the API returns. */
function inboxOrder(a: any, b: any): number {
  if (a.last_message_at !== b.last_message_at) {
    if (a.last_message_at === null) return 1;
    if (b.last_message_at === null) return -1;
    return a.last_message_at < b.last_message_at ? 1 : -1;
  }
  return b.id - a.id;
}

describe('order', () => {
  it('is last_message_at DESC, conversations without messages last, ties by id DESC', async () => {
    const seed = await h.seedTenant({ conversations: 6 });
    const seeded = await sql<{ id: number }>(h, 'SELECT id FROM conversations WHERE tenant_id = $1 ORDER BY id', [seed.tenant_id]);
    const [a, b] = [Number(seeded[0]!.id), Number(seeded[1]!.id)];
    // Two conversations with the same, newest last_message_at: the larger id comes first.
    const tie = new Date(h.clock.now().getTime() + 3600_000);
    await sql(h, 'UPDATE conversations SET last_message_at = $3 WHERE tenant_id = $1 AND id = ANY($2::bigint[])', [seed.tenant_id, [a, b], tie]);
    const first = await postConversation(h, seed, { channel_id: seed.channels.website, address: 'visitor-without-messages-1' });
    const second = await postConversation(h, seed, { channel_id: seed.channels.telegram, address: '@no_messages_2' });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.json.data.id).toBeGreaterThan(first.json.data.id);

    const listed = await allConversations(h, seed);
    expect(listed).toHaveLength(8);
    expect(listed.slice(0, 2).map((row) => row.id)).toEqual([b, a]);
    expect(listed.slice(-2).map((row) => row.id)).toEqual([second.json.data.id, first.json.data.id]);
    expect(listed.slice(-2).map((row) => row.last_message_at)).toEqual([null, null]);
    expect(listed.map((row) => row.id)).toEqual([...listed].sort(inboxOrder).map((row) => row.id));
    // Page boundaries follow the same order.
    const pageTwo = await listConversations(h, seed, '?per_page=3&page=2');
    expect(pageTwo.json.data.map((row: any) => row.id)).toEqual(listed.slice(3, 6).map((row) => row.id));
  });
});

async function searchTenant(): Promise<SeedResult> {
  const seed = await h.seedTenant({ conversations: 0 });
  const web = seed.channels.website;
  const bodies = [
    { channel_id: web, address: 'v-001', first_name: 'Ada', last_name: 'Lovelace' },
    { channel_id: web, address: 'v-002', first_name: 'Grace', last_name: 'Hopper' },
    { channel_id: web, address: 'v-003', first_name: '100%', last_name: 'Real' },
    { channel_id: web, address: 'v-004', first_name: '100x', last_name: 'Real' },
    { channel_id: web, address: 'v-005', first_name: 'a_b', last_name: 'Under' },
    { channel_id: web, address: 'v-006', first_name: 'axb', last_name: 'Under' },
    { channel_id: web, address: 'Special-Visitor-ÇELIK' },
    { channel_id: seed.channels.whatsapp, address: '+1 555 010 4477', first_name: 'Phone', last_name: 'Person' },
    { channel_id: seed.channels.telegram, address: '@Kaan_Bot' },
    { channel_id: web, address: 'v-010', first_name: 'Back\\slash', last_name: 'One' },
    { channel_id: web, address: 'v-011', first_name: 'Backslash', last_name: 'Two' },
  ];
  for (const body of bodies) {
    const response = await postConversation(h, seed, body);
    expect(response.status, response.body).toBe(201);
  }
  await sql(h, `UPDATE customers SET email = 'grace@navy.example' WHERE tenant_id = $1 AND first_name = 'Grace'`, [seed.tenant_id]);
  return seed;
}

describe('search', () => {
  it('matches display name, address, names, phone and email case-insensitively and literally, with exact totals', async () => {
    const seed = await searchTenant();
    const cases: Array<[string, string[]]> = [
      ['ADA', ['Ada Lovelace']],
      ['ada love', ['Ada Lovelace']],
      ['LOVELACE', ['Ada Lovelace']],
      ['%20Ada%20Lovelace%20', ['Ada Lovelace']],
      ['%25', ['100% Real']],
      ['100%25', ['100% Real']],
      ['100', ['100% Real', '100x Real']],
      ['a_b', ['a_b Under']],
      ['_', ['a_b Under', '@Kaan_Bot']],
      ['%5C', ['Back\\slash One']],
      ['back%5Cslash', ['Back\\slash One']],
      ['backslash', ['Backslash Two']],
      [encodeURIComponent('çelik'), ['Special-Visitor-ÇELIK']],
      ['special-visitor', ['Special-Visitor-ÇELIK']],
      ['5550104477', ['Phone Person']],
      ['%2B1555010', ['Phone Person']],
      ['555%20010', ['Phone Person']],
      ['kaan_bot', ['@Kaan_Bot']],
      ['NAVY.EXAMPLE', ['Grace Hopper']],
      ['hopper', ['Grace Hopper']],
      ['zzz', []],
    ];
    for (const [term, names] of cases) {
      const response = await listConversations(h, seed, `?search=${term}&per_page=100`);
      expect(response.status, term).toBe(200);
      expect(response.json.data.map((row: any) => row.display_name).sort(), term).toEqual([...names].sort());
      expect(response.json.meta.total, term).toBe(names.length);
    }
    const unfiltered = await listConversations(h, seed, '?search=&per_page=100');
    expect(unfiltered.json.meta.total).toBe(11);
    expect(unfiltered.json.links.first).toBe(`${API}?per_page=100&page=1`);
  });

  it('combines search and channel_type with AND', async () => {
    const seed = await searchTenant();
    const website = await listConversations(h, seed, '?search=100&channel_type=website');
    expect(website.json.meta.total).toBe(2);
    const telegram = await listConversations(h, seed, '?search=100&channel_type=telegram');
    expect(telegram.json.meta.total).toBe(0);
    expect(telegram.json.data).toEqual([]);
    const kaan = await listConversations(h, seed, '?search=kaan&channel_type=telegram');
    expect(kaan.json.data.map((row: any) => row.address)).toEqual(['@Kaan_Bot']);
  });

  it('counts the length in code points: 255 pass, 256 fail (ASCII, é, 😀)', async () => {
    const seed = await h.seedTenant({ conversations: 2 });
    const tooLong = { search: ['The search field must not be greater than 255 characters.'] };
    for (const character of ['a', 'é', '😀']) {
      const ok = await listConversations(h, seed, `?search=${encodeURIComponent(character.repeat(255))}`);
      expect(ok.status, `255 × ${character}`).toBe(200);
      expect(ok.json.meta.total).toBe(0);
      const bad = await listConversations(h, seed, `?search=${encodeURIComponent(character.repeat(256))}`);
      expectValidationError(bad, tooLong);
    }
    const emoji200 = await listConversations(h, seed, `?search=${encodeURIComponent('😀'.repeat(200))}`);
    expect(emoji200.status).toBe(200);
    const trimmed = await listConversations(h, seed, `?search=${encodeURIComponent(` ${'a'.repeat(255)} `)}`);
    expect(trimmed.status).toBe(200);
    expectValidationError(await listConversations(h, seed, '?search[]=x'), { search: ['The search field must be a string.'] });
  });
});

describe('channel_type', () => {
  it('filters by the channel type with exact totals that follow new conversations', async () => {
    const seed = await h.seedTenant({ conversations: 10 });
    const expected = { whatsapp: 3, instagram: 3, website: 2, telegram: 2 };
    for (const [type, count] of Object.entries(expected)) {
      const rows = await allConversations(h, seed, `?channel_type=${type}`);
      expect(rows, type).toHaveLength(count);
      expect(new Set(rows.map((row) => row.channel.type)), type).toEqual(new Set([type]));
      const page = await listConversations(h, seed, `?channel_type=${type}&per_page=1`);
      expect(page.json.meta.total, type).toBe(count);
      expect(page.json.links.first).toBe(`${API}?channel_type=${type}&per_page=1&page=1`);
    }
    const created = await postConversation(h, seed, { channel_id: seed.channels.telegram, address: '@newcomer' });
    expect(created.status).toBe(201);
    expect((await listConversations(h, seed, '?channel_type=telegram')).json.meta.total).toBe(3);
    expect((await listConversations(h, seed, '?channel_type=website')).json.meta.total).toBe(2);
    expect((await listConversations(h, seed)).json.meta.total).toBe(11);
    const padded = await listConversations(h, seed, '?channel_type=%20telegram%20');
    expect(padded.json.meta.total).toBe(3);
    expect(padded.json.links.first).toBe(`${API}?channel_type=telegram&page=1`);
    const empty = await listConversations(h, seed, '?channel_type=');
    expect(empty.json.meta.total).toBe(11);
    expect(empty.json.links.first).toBe(`${API}?page=1`);
  });

  it('answers 422 for anything but the four lower-case types', async () => {
    const seed = await h.seedTenant({ conversations: 2 });
    for (const query of [
      'channel_type=WhatsApp',
      'channel_type=sms',
      'channel_type=email',
      'channel_type=whatsapp,telegram',
      'channel_type[]=whatsapp',
      'channel_type=TELEGRAM',
    ]) {
      expectValidationError(await listConversations(h, seed, `?${query}`), { channel_type: ['The selected channel type is invalid.'] });
    }
  });

  it('totals and rows only ever see the current tenant', async () => {
    const first = await h.seedTenant({ conversations: 7 });
    const second = await h.seedTenant({ conversations: 3 });
    const mine = await allConversations(h, second);
    expect(mine).toHaveLength(3);
    expect((await listConversations(h, second)).json.meta.total).toBe(3);
    expect((await listConversations(h, second, '?channel_type=whatsapp')).json.meta.total).toBe(1);
    const firstIds = new Set((await allConversations(h, first)).map((row) => row.id));
    expect(mine.some((row) => firstIds.has(row.id))).toBe(false);
    const ids = await sql<{ id: number }>(h, 'SELECT id FROM channels WHERE tenant_id = $1', [second.tenant_id]);
    for (const row of mine) expect(ids.map((channel) => Number(channel.id))).toContain(row.channel.id);
  });
});
