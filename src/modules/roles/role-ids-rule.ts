import { rule, toInteger, type FieldRule } from '../../http/validation.js';
import { knownRoleIds } from './role.repository.js';

/**
 * `role_ids`: nullable array; each element an integer and a role of the current tenant, reported as `role_ids.N`
 * ("The selected role_ids.0 is invalid.", also for another tenant's id). The ids are looked up in one query.
 */
export function roleIdsRule(): FieldRule<number[]> {
  // Laravel checks every element on its own: a non-integer and an unknown id in one list are both reported. The
  // known ids are looked up in one query for the whole list.
  return rule
    .array()
    .nullable()
    .rule(async (items: unknown[], { db, tenantId, field }) => {
      const ids = items.map(toInteger);
      const known = await knownRoleIds(
        db,
        tenantId,
        ids.filter((id): id is number => id !== null),
      );
      const failures: Record<string, string> = {};
      ids.forEach((id, index) => {
        if (id === null) failures[`${field}.${index}`] = `The ${field}.${index} field must be an integer.`;
        else if (!known.has(id)) failures[`${field}.${index}`] = `The selected ${field}.${index} is invalid.`;
      });
      if (Object.keys(failures).length > 0) return failures;
      items.splice(0, items.length, ...ids);
      return null;
    }) as FieldRule<any>;
}
