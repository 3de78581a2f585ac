import { PROFILE_COLUMNS, type Profile } from './user.repository.js';

/** The account fields present in a validated body (absent ones stay undefined: PUT is partial). */
export function profileOf(body: Record<string, unknown>): Profile {
  const profile: Profile = {};
  for (const column of PROFILE_COLUMNS) {
    if (body[column] !== undefined) profile[column] = body[column] as string | string[] | null;
  }
  return profile;
}
