import { formatTimestamp } from '../../platform/clock.js';
import type { UserView } from './user.finder.js';
import { LANGUAGES } from './user-fields.js';
import { arrayOf, boolean, enumOf, integer, nullable, object, string, timestamp } from '../../http/openapi-schemas.js';

export const userSchema = object({
  id: integer,
  name: string,
  email: string,
  title: nullable(string),
  phone: nullable(string),
  emergency_contact_name: nullable(string),
  emergency_contact_surname: nullable(string),
  emergency_contact_phone_number: nullable(string),
  blood_group: nullable(string),
  language: arrayOf(enumOf(LANGUAGES)),
  avatar_url: nullable(string),
  is_active: boolean,
  bio: nullable(string),
  last_login_at: nullable(timestamp),
  last_login_ip: nullable(string),
  created_at: timestamp,
  updated_at: timestamp,
  deleted_at: nullable(timestamp),
  roles: arrayOf(object({ id: integer, name: string })),
});

/** UserResource (docs/responses.md#resources), key by key; never a password or its hash. */
export function userResource(user: UserView) {
  return {
    id: Number(user.id),
    name: user.name,
    email: user.email,
    title: user.title,
    phone: user.phone,
    emergency_contact_name: user.emergency_contact_name,
    emergency_contact_surname: user.emergency_contact_surname,
    emergency_contact_phone_number: user.emergency_contact_phone_number,
    blood_group: user.blood_group,
    language: Array.isArray(user.language) ? user.language.map(String) : [],
    avatar_url: user.avatar_url,
    is_active: user.is_active,
    bio: user.bio,
    last_login_at: formatTimestamp(user.last_login_at),
    last_login_ip: user.last_login_ip,
    created_at: formatTimestamp(user.created_at),
    updated_at: formatTimestamp(user.updated_at),
    deleted_at: formatTimestamp(user.deleted_at),
    roles: user.roles.map((role) => ({ id: Number(role.id), name: role.name })),
  };
}
