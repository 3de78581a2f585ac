import type { Queryable } from '../../platform/db/db.js';
import { findStoredSettings } from './tenant.repository.js';

/** Defaults of the tenant settings object (docs/tenancy-and-data.md#tenant-settings); stored settings are merged over them. */
export const DEFAULT_TENANT_SETTINGS = {
  agent: {
    debounce_seconds: 3,
    handoff_pause_minutes: 60,
    block_ttl_seconds: 86400 as number | null,
    handoff_message: 'Thanks for your message! A member of our team will reply shortly.' as string | null,
    instructions: null as string | null,
    knowledge_language: 'english',
  },
  flood: { enabled: true, max_messages: 20, window_seconds: 60, block_ttl_seconds: 3600 as number | null },
};

export type TenantSettings = typeof DEFAULT_TENANT_SETTINGS;

export async function loadTenantSettings(db: Queryable, tenantId: number): Promise<TenantSettings> {
  const stored = await findStoredSettings(db, tenantId);
  return {
    agent: { ...DEFAULT_TENANT_SETTINGS.agent, ...(stored.agent ?? {}) },
    flood: { ...DEFAULT_TENANT_SETTINGS.flood, ...(stored.flood ?? {}) },
  };
}
