/**
 * GET/PUT /api/v1/tenant-settings (docs/tenancy-and-data.md#tenant-settings): defaults, deep merge, dotted-key 422s,
 * unknown keys ignored, permissions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { expectError, expectExactJson, expectValidationError } from '../support/assertions.js';
import { memberAs, sql } from '../support/factories.js';
import { loadTenantSettings } from '../../src/modules/tenants/tenant-settings.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const DEFAULTS = {
  agent: {
    debounce_seconds: 3,
    handoff_pause_minutes: 60,
    block_ttl_seconds: 86400,
    handoff_message: 'Thanks for your message! A member of our team will reply shortly.',
    instructions: null,
    knowledge_language: 'english',
  },
  flood: { enabled: true, max_messages: 20, window_seconds: 60, block_ttl_seconds: 3600 },
};

function get(seed: SeedResult, token = seed.access_token) {
  return h.request({ url: '/api/v1/tenant-settings', token, tenant: seed.tenant_id });
}

function put(seed: SeedResult, body: unknown, token = seed.access_token) {
  return h.request({ method: 'PUT', url: '/api/v1/tenant-settings', token, tenant: seed.tenant_id, body });
}

describe('tenant settings', () => {
  it('answers the defaults, in order', async () => {
    const seed = await h.seedTenant();
    const response = await get(seed);
    expect(response.status, response.body).toBe(200);
    expectExactJson(response.json, { success: 'Settings retrieved successfully.', data: DEFAULTS });
  });

  it('deep-merges any subset, keeps the other keys, ignores unknown keys, and other tenants are untouched', async () => {
    const seed = await h.seedTenant();
    const other = await h.seedTenant();
    const first = await put(seed, { flood: { max_messages: 5, block_ttl_seconds: null }, bogus: { x: 1 } });
    expect(first.status, first.body).toBe(200);
    const afterFirst = { agent: DEFAULTS.agent, flood: { ...DEFAULTS.flood, max_messages: 5, block_ttl_seconds: null } };
    expectExactJson(first.json, { success: 'Settings updated successfully.', data: afterFirst });
    const second = await put(seed, { agent: { instructions: 'We sell shoes.', knowledge_language: 'simple', handoff_message: null, unknown: 'x' } });
    const expected = {
      agent: { ...DEFAULTS.agent, handoff_message: null, instructions: 'We sell shoes.', knowledge_language: 'simple' },
      flood: afterFirst.flood,
    };
    expectExactJson(second.json.data, expected);
    expectExactJson((await get(seed)).json.data, expected);
    expect(await loadTenantSettings(h.deps.db, seed.tenant_id)).toEqual(expected);
    const [stored] = await sql(h, 'SELECT settings FROM tenants WHERE id = $1', [seed.tenant_id]);
    expect(JSON.stringify(stored!.settings)).not.toContain('bogus');
    expect(JSON.stringify(stored!.settings)).not.toContain('unknown');
    expectExactJson((await get(other)).json.data, DEFAULTS);
    expect((await put(seed, {})).json.data).toEqual(expected);
  });

  it('names the dotted key in 422s and changes nothing', async () => {
    const seed = await h.seedTenant();
    expectValidationError(await put(seed, { flood: { max_messages: 0, window_seconds: 86401, enabled: 'yes', block_ttl_seconds: 59 } }), {
      'flood.enabled': ['The flood.enabled field must be true or false.'],
      'flood.max_messages': ['The flood.max messages field must be at least 1.'],
      'flood.window_seconds': ['The flood.window seconds field must not be greater than 86400.'],
      'flood.block_ttl_seconds': ['The flood.block ttl seconds field must be at least 60.'],
    });
    expectValidationError(
      await put(seed, {
        agent: {
          debounce_seconds: 61,
          handoff_pause_minutes: 'soon',
          block_ttl_seconds: 315_360_001,
          handoff_message: 'm'.repeat(1001),
          instructions: 'i'.repeat(4001),
          knowledge_language: 'klingon',
        },
        flood: 'x',
      }),
      {
        'agent.debounce_seconds': ['The agent.debounce seconds field must not be greater than 60.'],
        'agent.handoff_pause_minutes': ['The agent.handoff pause minutes field must be an integer.'],
        'agent.block_ttl_seconds': ['The agent.block ttl seconds field must not be greater than 315360000.'],
        'agent.handoff_message': ['The agent.handoff message field must not be greater than 1000 characters.'],
        'agent.instructions': ['The agent.instructions field must not be greater than 4000 characters.'],
        'agent.knowledge_language': ['The selected agent.knowledge language is invalid.'],
        flood: ['The flood field must be an object.'],
      },
    );
    expectValidationError(await put(seed, { agent: { debounce_seconds: null, knowledge_language: null } }), {
      'agent.debounce_seconds': ['The agent.debounce seconds field must be an integer.'],
      'agent.knowledge_language': ['The agent.knowledge language field must be a string.'],
    });
    expectExactJson((await get(seed)).json.data, DEFAULTS);
  });

  it('lets viewers read and only channels.manage with channels:write write', async () => {
    const seed = await h.seedTenant();
    const viewer = await memberAs(h, seed, 'Vic Viewer', 'Viewer');
    expect((await get(seed, viewer.token)).status).toBe(200);
    expectError(await put(seed, { flood: { enabled: false } }, viewer.token), 403, 'forbidden');
    const readOnly = await h.token(seed.user_id, { scopes: ['conversations:read'], tenant: seed.tenant_id });
    expect((await get(seed, readOnly)).status).toBe(200);
    expect((await put(seed, { flood: { enabled: false } }, readOnly)).status).toBe(403);
    const writer = await h.token(seed.user_id, { scopes: ['channels:write'], tenant: seed.tenant_id });
    expect((await put(seed, { flood: { enabled: false } }, writer)).json.data.flood.enabled).toBe(false);
  });
});
