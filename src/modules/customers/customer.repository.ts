import type { Queryable } from '../../platform/db/db.js';
import { notFound } from '../../platform/errors.js';
import type { Gender } from './customer.resource.js';

export const CUSTOMER_NOT_FOUND = 'Customer not found.';

/** What the write paths need of a live customer: its id and the values uniqueness and phone parsing depend on. */
export interface CustomerRecord {
  id: number;
  country_id: number | null;
}

/** The stored columns a create or update writes (already normalised). */
export interface CustomerColumns {
  first_name: string | null;
  last_name: string | null;
  phone_number: string | null;
  email: string | null;
  /** YYYY-MM-DD */
  date_of_birth: string | null;
  gender: Gender | null;
  country_id: number | null;
  identity_number: string | null;
  job: string | null;
  address: string | null;
  default_channel_id: number | null;
  related_user_id: number | null;
}

const COLUMNS: readonly (keyof CustomerColumns)[] = [
  'first_name',
  'last_name',
  'phone_number',
  'email',
  'date_of_birth',
  'gender',
  'country_id',
  'identity_number',
  'job',
  'address',
  'default_channel_id',
  'related_user_id',
];

export async function findCustomerRecord(db: Queryable, tenantId: number, customerId: number): Promise<CustomerRecord | null> {
  const result = await db.query<CustomerRecord>('SELECT id, country_id FROM customers WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL', [
    tenantId,
    customerId,
  ]);
  return result.rows[0] ?? null;
}

export async function requireCustomer(db: Queryable, tenantId: number, customerId: number | null): Promise<CustomerRecord> {
  const customer = customerId === null ? null : await findCustomerRecord(db, tenantId, customerId);
  if (!customer) throw notFound(CUSTOMER_NOT_FOUND);
  return customer;
}

/** The ISO alpha-2 code of a country id, or null when there is no such country. */
export async function countryAlpha2(db: Queryable, countryId: number): Promise<string | null> {
  // countries.id is a smallint: compare as bigint so an out-of-range id is simply unknown.
  const result = await db.query<{ alpha2: string }>('SELECT alpha2 FROM countries WHERE id = $1::bigint', [countryId]);
  return result.rows[0]?.alpha2 ?? null;
}

/** A live (not removed) member of the tenant whose account is not deleted. */
export async function isLiveMember(db: Queryable, tenantId: number, userId: number): Promise<boolean> {
  const result = await db.query(
    `SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.tenant_id = $1 AND m.user_id = $2 AND m.deleted_at IS NULL AND u.deleted_at IS NULL`,
    [tenantId, userId],
  );
  return result.rows.length > 0;
}

export async function isPhoneTaken(db: Queryable, tenantId: number, phone: string, exceptId: number | null): Promise<boolean> {
  const result = await db.query(
    `SELECT 1 FROM customers
      WHERE tenant_id = $1 AND phone_number = $2 AND deleted_at IS NULL AND ($3::bigint IS NULL OR id <> $3::bigint)`,
    [tenantId, phone, exceptId],
  );
  return result.rows.length > 0;
}

export async function isEmailTaken(db: Queryable, tenantId: number, email: string, exceptId: number | null): Promise<boolean> {
  const result = await db.query(
    `SELECT 1 FROM customers
      WHERE tenant_id = $1 AND lower(email) = lower($2) AND deleted_at IS NULL AND ($3::bigint IS NULL OR id <> $3::bigint)`,
    [tenantId, email, exceptId],
  );
  return result.rows.length > 0;
}

export async function insertCustomer(db: Queryable, tenantId: number, columns: CustomerColumns, now: Date): Promise<number> {
  const values = COLUMNS.map((column) => columns[column]);
  const placeholders = COLUMNS.map((_, index) => `$${index + 3}`).join(', ');
  const result = await db.query<{ id: number }>(
    `INSERT INTO customers (tenant_id, created_at, updated_at, ${COLUMNS.join(', ')})
     VALUES ($1, $2, $2, ${placeholders}) RETURNING id`,
    [tenantId, now, ...values],
  );
  return result.rows[0]!.id;
}

/** Writes the given columns only (a partial update) and always moves updated_at. */
export async function updateCustomer(db: Queryable, tenantId: number, customerId: number, changes: Partial<CustomerColumns>, now: Date): Promise<boolean> {
  const columns = COLUMNS.filter((column) => changes[column] !== undefined);
  const assignments = columns.map((column, index) => `${column} = $${index + 4}`);
  const result = await db.query(
    `UPDATE customers SET ${['updated_at = $3', ...assignments].join(', ')}
      WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`,
    [tenantId, customerId, now, ...columns.map((column) => changes[column])],
  );
  return result.rowCount > 0;
}

export async function softDeleteCustomer(db: Queryable, tenantId: number, customerId: number, now: Date): Promise<boolean> {
  const result = await db.query('UPDATE customers SET deleted_at = $3, updated_at = $3 WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL', [
    tenantId,
    customerId,
    now,
  ]);
  return result.rowCount > 0;
}

/** A member leaving the tenant: its customers lose the assignment without counting as updated. */
/** Clears the assignment of the tenant's customers to this user; returns the live ones that had it (their events). */
export async function unassignCustomersOf(tx: Queryable, tenantId: number, userId: number): Promise<number[]> {
  const result = await tx.query<{ id: number; live: boolean }>(
    'UPDATE customers SET related_user_id = NULL WHERE tenant_id = $1 AND related_user_id = $2 RETURNING id, deleted_at IS NULL AS live',
    [tenantId, userId],
  );
  return result.rows
    .filter((row) => row.live)
    .map((row) => Number(row.id))
    .sort((a, b) => a - b);
}

/** The live customer with this phone, its missing names filled in (updated_at moves only then, `filled`); null when none. */
export async function fillCustomerNamesByPhone(
  tx: Queryable,
  tenantId: number,
  phone: string,
  firstName: string | null,
  lastName: string | null,
  now: Date,
): Promise<{ id: number; filled: boolean } | null> {
  const existing = await tx.query<{ id: number; filled: boolean }>(
    `UPDATE customers SET first_name = COALESCE(first_name, $3), last_name = COALESCE(last_name, $4),
            updated_at = CASE WHEN (first_name IS NULL AND $3::text IS NOT NULL) OR (last_name IS NULL AND $4::text IS NOT NULL) THEN $5 ELSE updated_at END
      WHERE tenant_id = $1 AND phone_number = $2 AND deleted_at IS NULL RETURNING id, updated_at = $5 AS filled`,
    [tenantId, phone, firstName, lastName, now],
  );
  const row = existing.rows[0];
  return row ? { id: Number(row.id), filled: row.filled } : null;
}

/** The customer a new conversation creates: names and a phone (the API), plus avatar and username from a provider profile. */
export async function insertCustomerForConversation(
  tx: Queryable,
  tenantId: number,
  customer: { firstName: string | null; lastName: string | null; phone: string | null; avatarUrl?: string | null; username?: string | null },
  now: Date,
): Promise<number> {
  const created = await tx.query<{ id: number }>(
    `INSERT INTO customers (tenant_id, first_name, last_name, phone_number, avatar_url, metadata, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
    [
      tenantId,
      customer.firstName,
      customer.lastName,
      customer.phone,
      customer.avatarUrl ?? null,
      // A provider's username (Instagram, Telegram) is kept in the metadata (docs/channels.md#processing-inbound-events).
      JSON.stringify(customer.username ? { username: customer.username } : {}),
      now,
    ],
  );
  return Number(created.rows[0]!.id);
}
