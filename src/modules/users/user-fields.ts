import { FieldRule, rule } from '../../http/validation.js';
import { roleIdsRule } from '../roles/role-ids-rule.js';
import type { UserView } from './user.finder.js';
import { sameEmail } from './email-key.js';
import { belongsToOtherTenants } from './membership.repository.js';
import { emailTaken } from './user.repository.js';

/** The input of POST /users and PUT /users/{id} (docs/domain-rules.md#users-and-roles), declared once for both. */
export const LANGUAGES = ['Turkish', 'English', 'Other'] as const;
export const EMAIL_TAKEN = 'The email has already been taken.';
export const SHARED_ACCOUNT_MESSAGES = {
  email: 'The email cannot be changed for a user who belongs to other tenants.',
  password: 'The password cannot be changed for a user who belongs to other tenants.',
} as const;

/** Same address for the directory: emails compare in their canonical form (docs/domain-rules.md#users-and-roles). */
export { sameEmail };

const nameRule = () => rule.string().required().max(255);

/** On PUT the user being updated (the route's `loaded`) does not count as taking its own email. */
const emailRule = () =>
  rule
    .string()
    .required()
    .email()
    .max(255)
    .rule(async (email: string, { db, loaded }) => ((await emailTaken(db, email, (loaded as UserView | undefined)?.id ?? null)) ? EMAIL_TAKEN : null));

// Passwords are not trimmed (docs/input.md#body-transport), but Laravel's `required` still refuses a blank one.
const passwordRule = () =>
  rule
    .string()
    .required()
    .rule((password: string, { attribute }) => (password.trim() === '' ? `The ${attribute} field is required.` : null))
    .min(8)
    .max(255)
    .confirmed();

/** The last rule of email and password on PUT: an account shared with another tenant keeps both (docs/domain-rules.md#users-and-roles). */
function unsharedAccount(field: 'email' | 'password'): FieldRule<string> {
  return rule.string().rule(async (value: string, { db, loaded, tenantId }) => {
    const user = loaded as UserView;
    if (field === 'email' && sameEmail(value, user.email)) return null;
    return (await belongsToOtherTenants(db, user.id, tenantId)) ? SHARED_ACCOUNT_MESSAGES[field] : null;
  });
}

/** Laravel's `sometimes|required|…`: an absent field passes, a present null or blank one is required, else `inner`. */
class WhenPresent extends FieldRule<string> {
  constructor(
    private readonly inner: FieldRule<string>,
    after: Array<FieldRule<string>>,
  ) {
    super('any');
    this.rule(async (value, context) => {
      if (value === null || (typeof value === 'string' && value.trim() === '')) return `The ${context.attribute} field is required.`;
      for (const fieldRule of [inner, ...after]) {
        const result = await fieldRule.check(context.field, true, value, 'body', context, context.input, context.values);
        if (!result.ok) return result.errors;
      }
      return null;
    });
  }

  /** Documented like the inner rule: optional, but never null. */
  override jsonSchema(): Record<string, unknown> {
    return this.inner.jsonSchema();
  }
}

const whenPresent = (inner: FieldRule<string>, ...after: Array<FieldRule<string>>): FieldRule<string> => new WhenPresent(inner, after);

const profileFields = () => ({
  phone: rule.string().nullable().max(20),
  title: rule.string().nullable().max(255),
  emergency_contact_name: rule.string().nullable().max(255),
  emergency_contact_surname: rule.string().nullable().max(255),
  emergency_contact_phone_number: rule.string().nullable().max(20),
  blood_group: rule.string().nullable().max(10),
  language: rule.array().nullable().each(rule.enum(LANGUAGES)) as FieldRule<string[]>,
  avatar_url: rule.string().nullable().max(1000).url(),
  is_active: rule.boolean(),
  bio: rule.string().nullable().max(1000),
  role_ids: roleIdsRule(),
});

export const createUserFields = {
  name: nameRule(),
  email: emailRule(),
  password: passwordRule(),
  ...profileFields(),
};

export const updateUserFields = {
  name: whenPresent(nameRule()),
  email: whenPresent(emailRule(), unsharedAccount('email')),
  password: whenPresent(passwordRule(), unsharedAccount('password')),
  ...profileFields(),
};
