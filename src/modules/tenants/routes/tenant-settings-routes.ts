import { defineRoute } from '../../../http/define-route.js';
import { envelopeSchema } from '../../../http/openapi-schemas.js';
import { FieldRule, rule } from '../../../http/validation.js';
import { loadTenantSettings } from '../tenant-settings.js';
import { tenantSettingsSchema } from '../tenant-settings.resource.js';
import { mergeStoredSettings, textSearchConfigExists } from '../tenant.repository.js';
import { reindexArticles } from '../../knowledge/knowledge.repository.js';

/** Ten years: the longest temporary block, as for manual blocks. */
const MAX_TTL_SECONDS = 315_360_000;

/** The keys of each group and their rules (docs/tenancy-and-data.md#tenant-settings); other keys are ignored. */
const GROUPS: Record<'agent' | 'flood', Record<string, FieldRule<any>>> = {
  agent: {
    debounce_seconds: rule.integer().min(0).max(60),
    handoff_pause_minutes: rule.integer().min(1).max(525_600),
    block_ttl_seconds: rule.integer().nullable().min(60).max(MAX_TTL_SECONDS),
    handoff_message: rule.string().nullable().max(1000),
    instructions: rule.string().nullable().max(4000),
    knowledge_language: rule
      .string()
      .max(63)
      .rule(async (name: string, { db, attribute }) => ((await textSearchConfigExists(db, name)) ? null : `The selected ${attribute} is invalid.`)),
  },
  flood: {
    enabled: rule.boolean(),
    max_messages: rule.integer().min(1).max(10_000),
    window_seconds: rule.integer().min(1).max(86_400),
    block_ttl_seconds: rule.integer().nullable().min(60).max(MAX_TTL_SECONDS),
  },
};

/** A group object: each known key sent is checked under its dotted name and replaced by its converted value. */
function groupRule(group: 'agent' | 'flood') {
  return rule
    .object()
    .sometimes()
    .rule(async (sent: Record<string, unknown>, context) => {
      const accepted: Record<string, unknown> = {};
      const errors: Record<string, string> = {};
      for (const [key, keyRule] of Object.entries(GROUPS[group])) {
        if (!Object.prototype.hasOwnProperty.call(sent, key)) continue;
        const result = await keyRule.check(`${group}.${key}`, true, sent[key], 'body', context, sent, accepted);
        if (result.ok) accepted[key] = result.value ?? null;
        else Object.assign(errors, result.errors);
      }
      if (Object.keys(errors).length > 0) return errors;
      for (const key of Object.keys(sent)) delete sent[key];
      Object.assign(sent, accepted);
      return null;
    });
}

export const getTenantSettings = defineRoute({
  method: 'GET',
  url: '/api/v1/tenant-settings',
  permission: 'channels.view',
  scopes: ['conversations:read', 'channels:write'],
  summary: "Get the tenant's settings",
  description: 'Every key, stored values merged over the defaults.',
  tags: ['Tenant settings'],
  responseSchema: envelopeSchema(tenantSettingsSchema),
  handler: async ({ deps, tenantId }) => ({ success: 'Settings retrieved successfully.', data: await loadTenantSettings(deps.db, tenantId) }),
});

export const updateTenantSettings = defineRoute({
  method: 'PUT',
  url: '/api/v1/tenant-settings',
  permission: 'channels.manage',
  scopes: ['channels:write'],
  summary: "Update the tenant's settings",
  description: 'Any subset of the object, deep-merged; unknown keys are ignored; errors name the dotted key.',
  tags: ['Tenant settings'],
  responseSchema: envelopeSchema(tenantSettingsSchema),
  body: { agent: groupRule('agent'), flood: groupRule('flood') },
  handler: async ({ deps, tenantId, body }) => {
    await deps.db.transaction(async (tx) => {
      await mergeStoredSettings(tx, tenantId, { agent: body.agent ?? {}, flood: body.flood ?? {} });
      // A new knowledge language re-indexes the tenant's articles under the tenant row's lock (docs/agent.md#knowledge-articles).
      const language = (body.agent as { knowledge_language?: string } | undefined)?.knowledge_language;
      if (language !== undefined) await reindexArticles(tx, tenantId, language);
    });
    return { success: 'Settings updated successfully.', data: await loadTenantSettings(deps.db, tenantId) };
  },
});
