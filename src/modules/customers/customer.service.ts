import { validationError } from '../../platform/errors.js';
import type { Values } from '../../http/validation.js';
import { isUniqueViolation, type Db } from '../../platform/db/db.js';
import { recordEvents } from '../events/event-recorder.js';
import type { EventActor } from '../events/event-types.js';
import type { CustomerFields } from './customer-input.js';
import { storedPhone } from './customer-input.js';
import { insertCustomer, softDeleteCustomer, updateCustomer, type CustomerColumns, type CustomerRecord } from './customer.repository.js';

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

export async function createCustomer(db: Db, tenantId: number, input: CustomerInput, actor: EventActor, now: Date): Promise<number> {
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
  return db
    .transaction(async (tx) => {
      const id = await insertCustomer(tx, tenantId, columns, now);
      recordEvents(tx, tenantId, actor, now, { kind: 'customer', id, change: 'created' });
      return id;
    })
    .catch(duplicateAsValidationError);
}

/**
 * A partial update: only fields present in the input change. A new country re-reads the phone number only when
 * the phone number is sent too (docs/domain-rules.md#customers).
 */
export async function changeCustomer(db: Db, tenantId: number, customer: CustomerRecord, input: CustomerInput, actor: EventActor, now: Date): Promise<void> {
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
  await db
    .transaction(async (tx) => {
      // updated_at always moves, so every accepted update changes the resource.
      if (await updateCustomer(tx, tenantId, customer.id, changes, now))
        recordEvents(tx, tenantId, actor, now, { kind: 'customer', id: customer.id, change: 'updated' });
    })
    .catch(duplicateAsValidationError);
}

/** DELETE /customers/{id}: soft, once; `customer.deleted` shows deleted_at. */
export async function deleteCustomer(db: Db, tenantId: number, customerId: number, actor: EventActor, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    if (await softDeleteCustomer(tx, tenantId, customerId, now))
      recordEvents(tx, tenantId, actor, now, { kind: 'customer', id: customerId, change: 'deleted' });
  });
}
