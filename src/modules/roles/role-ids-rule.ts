import { rule, type FieldRule } from '../../http/validation.js';
import { knownRoleIds } from './role.repository.js';

/**
 * `role_ids`: nullable array; each element an integer and a role of the current tenant, reported as `role_ids.N`
 * ("The selected role_ids.0 is invalid.", also for another tenant's id). The ids are looked up in one query.
 */
export function roleIdsRule(): FieldRule<number[]> {
  return (rule.array().nullable().each(rule.integer()) as FieldRule<any>).rule(async (ids: number[], { db, tenantId, field }) => {
    const known = await knownRoleIds(db, tenantId!, ids);
    const failures: Record<string, string> = {};
    ids.forEach((id, index) => {
      if (!known.has(id)) failures[`${field}.${index}`] = `The selected ${field}.${index} is invalid.`;
    });
    return Object.keys(failures).length > 0 ? failures : null;
  });
}
