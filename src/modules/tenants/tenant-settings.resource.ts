import { boolean, integer, nullable, object, string } from '../../http/openapi-schemas.js';

/** The tenant settings object (docs/tenancy-and-data.md#tenant-settings). */
export const tenantSettingsSchema = object({
  agent: object({
    debounce_seconds: integer,
    handoff_pause_minutes: integer,
    block_ttl_seconds: nullable(integer),
    handoff_message: nullable(string),
    instructions: nullable(string),
    knowledge_language: string,
  }),
  flood: object({ enabled: boolean, max_messages: integer, window_seconds: integer, block_ttl_seconds: nullable(integer) }),
});
