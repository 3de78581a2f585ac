import { isScope, SCOPES } from '../scopes.js';

export const MAX_REDIRECT_URIS = 10;
const MAX_URI_LENGTH = 2000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** One redirect URI's message (docs/oauth.md#applications), or null when it may be registered. */
function redirectUriMessage(value: unknown, key: string): string | null {
  if (typeof value !== 'string') return `The ${key} field must be a valid URL.`;
  if ([...value].length > MAX_URI_LENGTH) return `The ${key} field must not be greater than ${MAX_URI_LENGTH} characters.`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `The ${key} field must be a valid URL.`;
  }
  if (value.includes('#') || /\s/.test(value)) return `The ${key} field must be a valid URL.`;
  const https = `The ${key} field must use https (http is allowed only for 127.0.0.1, [::1] and localhost).`;
  if (url.protocol === 'https:') return url.hostname === '' ? `The ${key} field must be a valid URL.` : null;
  if (url.protocol === 'http:') return LOOPBACK_HOSTS.has(url.hostname) ? null : https;
  // Private-use schemes of native apps are reverse domain names (RFC 8252 §7.1): they contain a dot.
  return /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/i.test(url.protocol) ? null : https;
}

/**
 * The redirect_uris field: an array of at most 10 valid URIs; `[]` only for a confidential
 * (client-credentials-only) application. Absence is judged by the route (create requires it, update does not).
 */
export function redirectUrisMessages(value: unknown, confidential: boolean): string | Record<string, string> | null {
  if (value === null) return 'The redirect uris field is required.';
  if (!Array.isArray(value)) return 'The redirect uris field must be an array.';
  if (value.length === 0) return confidential ? null : 'The redirect uris field is required.';
  if (value.length > MAX_REDIRECT_URIS) return `The redirect uris field must not have more than ${MAX_REDIRECT_URIS} items.`;
  const failures: Record<string, string> = {};
  value.forEach((item, index) => {
    const message = redirectUriMessage(item, `redirect_uris.${index}`);
    if (message) failures[`redirect_uris.${index}`] = message;
  });
  return Object.keys(failures).length > 0 ? failures : null;
}

/** The scopes field: distinct catalogue scopes, at least one. */
export function scopesMessages(value: unknown[]): string | Record<string, string> | null {
  if (value.length === 0) return 'The scopes field must have at least 1 items.';
  const failures: Record<string, string> = {};
  value.forEach((item, index) => {
    const key = `scopes.${index}`;
    if (typeof item !== 'string' || !isScope(item)) failures[key] = `The selected ${key} is invalid.`;
    else if (value.filter((other) => other === item).length > 1) failures[key] = `The ${key} field has a duplicate value.`;
  });
  return Object.keys(failures).length > 0 ? failures : null;
}

export const SCOPE_LIST_DESCRIPTION = `Allowed scopes, any of: ${SCOPES.join(', ')}.`;
