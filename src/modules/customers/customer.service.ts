import { validationError } from '../../platform/errors.js';
import type { Values } from '../../http/validation.js';
import { isUniqueViolation, type Queryable } from '../../platform/db/db.js';
import type { CustomerFields } from './customer-input.js';
import { storedPhone } from './customer-input.js';
import { insertCustomer, updateCustomer, type CustomerColumns, type CustomerRecord } from './customer.repository.js';

/** Validated input; an absent key (undefined) means "not sent". */
export type CustomerInput = Partial<Values<CustomerFields>>;

const utcDay = (date: Date): string => date.toISOString().slice(0, 10);

/**
 * Validation already refused duplicates; a concurrent request can still take the value between that check and our
 * write, and the partial unique indexes then refuse it. That race answers the same 422 (docs/domain-rules.md#customers).
 */
function duplicateAsValidationError(error: unknown): never {
  if (isUniqueViolation(error, 'customers_live_phone')) throw validationError({ phone_number: ['The phone number has already been taken.'] });
  if (isUniqueViolation(error, 'customers_live_email')) throw validationError({ email: ['The email has already been taken.'] });
  throw error;
}

export async function createCustomer(db: Queryable, tenantId: number, input: CustomerInput, now: Date): Promise<number> {
  const countryId = input.country_id ?? null;
  const columns: CustomerColumns = {
    first_name: input.first_name ?? null,
    last_name: input.last_name ?? null,
    phone_number: input.phone_number ? await storedPhone(db, input.phone_number, countryId) : null,
    email: input.email ?? null,
    date_of_birth: input.date_of_birth ? utcDay(input.date_of_birth) : null,
    gender: input.gender ?? null,
    country_id: countryId,
    identity_number: input.identity_number ?? null,
    job: input.job ?? null,
    address: input.address ?? null,
    default_channel_id: input.default_channel_id ?? null,
    related_user_id: input.user_id ?? null,
  };
  return insertCustomer(db, tenantId, columns, now).catch(duplicateAsValidationError);
}

/**
 * A partial update: only fields present in the input change. A new country re-reads the phone number only when
 * the phone number is sent too (docs/domain-rules.md#customers).
 */
export async function changeCustomer(db: Queryable, tenantId: number, customer: CustomerRecord, input: CustomerInput, now: Date): Promise<void> {
  const countryId = input.country_id === undefined ? customer.country_id : input.country_id;
  const changes: Partial<CustomerColumns> = {
    first_name: input.first_name,
    last_name: input.last_name,
    phone_number: input.phone_number ? await storedPhone(db, input.phone_number, countryId) : input.phone_number,
    email: input.email,
    date_of_birth: input.date_of_birth ? utcDay(input.date_of_birth) : input.date_of_birth,
    gender: input.gender,
    country_id: input.country_id,
    identity_number: input.identity_number,
    job: input.job,
    address: input.address,
    default_channel_id: input.default_channel_id,
    related_user_id: input.user_id,
  };
  await updateCustomer(db, tenantId, customer.id, changes, now).catch(duplicateAsValidationError);
}
