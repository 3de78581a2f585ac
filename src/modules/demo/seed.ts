import crypto from 'node:crypto';
import type { AppDeps } from '../../app-deps.js';
import { randomString } from '../../platform/crypto.js';
import { addMember, createTenant } from '../tenants/tenant.service.js';
import { hashPassword, insertUser } from '../users/user.repository.js';
import { CHANNEL_TYPES } from '../channels/channel-types.js';
import { SCOPES } from '../oauth/scopes.js';
import { PERSONAL_CLIENT } from '../oauth/access-tokens.js';
import { hashClientSecret } from '../oauth/server/clients.js';
import { renameTenant } from '../tenants/tenant.repository.js';
import {
  analyzeSeededTables,
  countDemoConversations,
  insertDemoApplication,
  insertDemoChannel,
  insertDemoConversations,
  insertDemoCustomers,
} from './demo-seed.repository.js';

export interface SeedOptions {
  conversations: number;
  customers: number;
  issuer: string;
  /** Called after each batch with (done, total) conversations. */
  onProgress?: (done: number, total: number) => void;
  /** The Owner's login, hashed beforehand: the test factory hashes one per process (argon2 costs ~25 ms a tenant). */
  login?: { password: string; passwordHash: string };
  /** Refresh planner statistics at the end (default true); the tests' tenants of a few rows skip it. */
  analyze?: boolean;
}

/** The `seed --json` object, keys in the order of README.md#the-flextell-cli. */
export interface SeedResult {
  tenant_id: number;
  user_id: number;
  email: string;
  password: string;
  access_token: string;
  refresh_token: null;
  client_id: string;
  client_secret: string;
  channels: Record<(typeof CHANNEL_TYPES)[number], number>;
}

const BATCH = 50_000;
const TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;
export const DEMO_REDIRECT_URI = 'http://127.0.0.1:8787/callback';

function demoChannel(type: (typeof CHANNEL_TYPES)[number], tenantId: number) {
  switch (type) {
    case 'whatsapp':
      return { name: 'WhatsApp Demo', address: `+1555${String(tenantId % 10_000_000).padStart(7, '0')}`, settings: { agent_mode: 'off' } };
    case 'instagram':
      return { name: 'Instagram Demo', address: `@demo_${tenantId}`, settings: { agent_mode: 'off' } };
    case 'website':
      return {
        name: 'Website Demo',
        address: `demo-${tenantId}.example.test`,
        settings: { agent_mode: 'off', allowed_origins: [], greeting: 'Hi! How can we help you?', color: '#2563eb', widget_key: randomString(24) },
      };
    case 'telegram':
      return { name: 'Telegram Demo', address: `@flextell_demo_${tenantId}_bot`, settings: { agent_mode: 'off' } };
  }
}

/**
 * Creates a new demo tenant (docs/tenancy-and-data.md#demo-data) in one transaction: roles, Owner, "Demo App", four channels,
 * customers and conversations with messages, all set-based so a million conversations load in minutes.
 */
export async function seedDemoTenant(deps: AppDeps, options: SeedOptions): Promise<SeedResult> {
  const now = deps.clock.now();
  const password = options.login?.password ?? randomString(20);
  const passwordHash = options.login?.passwordHash ?? (await hashPassword(password));
  const clientId = crypto.randomUUID();
  const clientSecret = randomString(40);

  const seeded = await deps.db.transaction(async (tx) => {
    const { tenantId, roleIds } = await createTenant(tx, 'Demo Tenant', now);
    await renameTenant(tx, tenantId, `Demo Tenant ${tenantId}`);
    const email = `owner.${tenantId}.${randomString(6, 'abcdefghijklmnopqrstuvwxyz0123456789')}@demo.flextell.test`;
    const owner = { id: await insertUser(tx, { name: 'Demo Owner', email, passwordHash }, now), name: 'Demo Owner' };
    await addMember(tx, tenantId, owner.id, [roleIds.Owner], now);
    await insertDemoApplication(
      tx,
      tenantId,
      { clientId, secretHash: hashClientSecret(clientSecret), redirectUris: [DEMO_REDIRECT_URI], scopes: SCOPES, createdByUserId: owner.id },
      now,
    );
    const channels = {} as SeedResult['channels'];
    for (const type of CHANNEL_TYPES) {
      channels[type] = await insertDemoChannel(tx, tenantId, { type, ...demoChannel(type, tenantId) }, now);
    }
    if (options.customers > 0) await insertDemoCustomers(tx, tenantId, options.customers, now);
    const channelIds = CHANNEL_TYPES.map((type) => channels[type]);
    for (let first = 1; first <= options.conversations; first += BATCH) {
      const last = Math.min(options.conversations, first + BATCH - 1);
      await insertDemoConversations(tx, {
        tenantId,
        channelIds,
        channelTypes: [...CHANNEL_TYPES],
        customers: options.customers,
        total: options.conversations,
        first,
        last,
        owner,
        now,
      });
      options.onProgress?.(last, options.conversations);
    }
    await countDemoConversations(tx, tenantId, CHANNEL_TYPES);
    return { tenantId, owner, email, channels };
  });

  if (options.analyze ?? true) await analyzeSeededTables(deps.db);

  const { token } = await deps.tokens.mint({
    userId: seeded.owner.id,
    clientId: PERSONAL_CLIENT,
    tenantId: null,
    scopes: SCOPES,
    lifetimeSeconds: TOKEN_LIFETIME_SECONDS,
    issuer: options.issuer,
  });
  return {
    tenant_id: seeded.tenantId,
    user_id: seeded.owner.id,
    email: seeded.email,
    password,
    access_token: token,
    refresh_token: null,
    client_id: clientId,
    client_secret: clientSecret,
    channels: seeded.channels,
  };
}
