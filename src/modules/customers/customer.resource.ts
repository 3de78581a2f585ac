import { formatTimestamp } from '../../platform/clock.js';
import type { CustomerColumns } from './customer.repository.js';
import { enumOf, integer, nullable, object, string, timestamp } from '../../http/openapi-schemas.js';

export const GENDERS = ['male', 'female', 'other'] as const;
export type Gender = (typeof GENDERS)[number];

/** A customer row: the stored columns (country as its name) plus what its resource shows from other tables. */
export interface CustomerView extends Omit<CustomerColumns, 'country_id'> {
  id: number;
  country_name: string | null;
  avatar_url: string | null;
  related_user_name: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export const customerSchema = object({
  id: integer,
  first_name: nullable(string),
  last_name: nullable(string),
  phone_number: nullable({ type: 'string', example: '+905551112233' }),
  email: nullable(string),
  date_of_birth: nullable({ type: 'string', format: 'date-time', example: '1990-05-17T00:00:00Z' }),
  gender: nullable(enumOf(GENDERS)),
  country_name: nullable(string),
  identity_number: nullable(string),
  job: nullable(string),
  address: nullable(string),
  default_channel_id: nullable(integer),
  avatar_url: nullable(string),
  related_user: nullable(object({ id: integer, name: string })),
  created_at: timestamp,
  updated_at: timestamp,
  deleted_at: nullable(timestamp),
});

/** CustomerResource (docs/responses.md#resources), key by key. */
export function customerResource(view: CustomerView) {
  return {
    id: view.id,
    first_name: view.first_name,
    last_name: view.last_name,
    phone_number: view.phone_number,
    email: view.email,
    date_of_birth: view.date_of_birth === null ? null : `${view.date_of_birth}T00:00:00Z`,
    gender: view.gender,
    country_name: view.country_name,
    identity_number: view.identity_number,
    job: view.job,
    address: view.address,
    default_channel_id: view.default_channel_id,
    avatar_url: view.avatar_url,
    related_user: view.related_user_id === null ? null : { id: view.related_user_id, name: view.related_user_name ?? '' },
    created_at: formatTimestamp(view.created_at),
    updated_at: formatTimestamp(view.updated_at),
    deleted_at: formatTimestamp(view.deleted_at),
  };
}
