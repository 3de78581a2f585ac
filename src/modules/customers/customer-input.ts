import { parseFilterInt } from '../../http/pagination.js';
import { rule, type CheckContext, type Fields } from '../../http/validation.js';
import type { Queryable } from '../../platform/db/db.js';
import { findChannel } from '../channels/channel.repository.js';
import { countryAlpha2, isEmailTaken, isLiveMember, isPhoneTaken, type CustomerRecord } from './customer.repository.js';
import { GENDERS } from './customer.resource.js';
import { compactPhone, isPhoneLike, normalizePhone } from './phone.js';

/** The stored form of a phone number (docs/domain-rules.md#customers), read as a national number of the country when it has no +. */
export async function storedPhone(db: Queryable, text: string, countryId: number | null): Promise<string> {
  const country = countryId === null ? null : await countryAlpha2(db, countryId);
  return normalizePhone(text, { country }).value;
}

/** docs/domain-rules.md#customers input rule: the allowed characters, and an international number must be a possible one. */
export function isValidPhoneInput(text: string): boolean {
  return isPhoneLike(text) && (!compactPhone(text).startsWith('+') || normalizePhone(text).possible);
}

/** The country a phone of this request is read in: the one sent (when it is an integer), else the stored one. */
function requestCountry(context: CheckContext): number | null {
  if (!Object.prototype.hasOwnProperty.call(context.input, 'country_id')) return (context.loaded as CustomerRecord | undefined)?.country_id ?? null;
  const raw = context.input.country_id;
  if (typeof raw === 'number') return Number.isInteger(raw) ? raw : null;
  if (typeof raw !== 'string') return null;
  const parsed = parseFilterInt(raw);
  return parsed === null ? null : Number(parsed);
}

const ownId = (context: CheckContext): number | null => (context.loaded as CustomerRecord | undefined)?.id ?? null;

async function phoneUnique(value: string, context: CheckContext): Promise<string | null> {
  const phone = await storedPhone(context.db, value, requestCountry(context));
  return (await isPhoneTaken(context.db, context.tenantId, phone, ownId(context))) ? `The ${context.attribute} has already been taken.` : null;
}

async function emailUnique(value: string, context: CheckContext): Promise<string | null> {
  return (await isEmailTaken(context.db, context.tenantId, value, ownId(context))) ? `The ${context.attribute} has already been taken.` : null;
}

/** The fields of POST and PUT /customers (docs/domain-rules.md#customers), rules in the documented order; `partial` for PUT. */
export function customerFields(partial: boolean) {
  return {
    first_name: partial ? rule.string().sometimes().required().max(255) : rule.string().required().max(255),
    last_name: rule.string().nullable().max(255),
    phone_number: rule.string().nullable().max(20).format(isValidPhoneInput).rule(phoneUnique).describe('Any common format; stored in E.164 when possible.'),
    email: rule.string().nullable().email().max(255).rule(emailUnique),
    date_of_birth: rule.date().nullable().beforeOrEqualToday().describe('YYYY-MM-DD; a date-time keeps its UTC calendar date.'),
    gender: rule.enum(GENDERS).nullable(),
    country_id: rule
      .integer()
      .nullable()
      .exists(async (id: number, { db }) => (await countryAlpha2(db, id)) !== null)
      .describe('ISO 3166-1 numeric code (792 Türkiye).'),
    identity_number: rule.string().nullable().max(255),
    job: rule.string().nullable().max(255),
    address: rule.string().nullable().max(1000),
    default_channel_id: rule
      .integer()
      .nullable()
      .exists(async (id: number, { db, tenantId }) => (await findChannel(db, tenantId, id)) !== null),
    user_id: rule
      .integer()
      .nullable()
      .exists((id: number, { db, tenantId }) => isLiveMember(db, tenantId, id))
      .describe('A member of this tenant, shown as related_user.'),
  } satisfies Fields;
}

export type CustomerFields = ReturnType<typeof customerFields>;
