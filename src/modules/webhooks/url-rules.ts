import type { NetworkList } from '../../platform/networks.js';
import { checkHost, hostOf } from './address-policy.js';

/** The 422 messages of a webhook URL (docs/webhooks.md#url-rules-and-ssrf-protection), in the order the rules apply. */
export const URL_MESSAGES = {
  invalid: 'The url field must be a valid URL.',
  https: 'The url field must use https (http is allowed only for addresses in FLEXTELL_WEBHOOK_ALLOWED_NETWORKS).',
  public: 'The url field must point to a public address.',
  unresolved: 'The url host could not be resolved.',
} as const;

/** Absolute http(s), no user information, no fragment (even an empty one). */
export function parseWebhookUrl(text: string): URL | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (!/^https?:\/\//i.test(text) || /^[a-z]+:\/\/[^/?#]*@/i.test(text)) return null;
  if (text.includes('#') || url.hostname === '') return null;
  return url;
}

/**
 * The URL rules after the field's type and length: null when the URL may be stored, else the message. The host is
 * resolved now (A and AAAA); http needs every address inside the allowed networks, https none in a refused range.
 */
export async function webhookUrlProblem(text: string, allowed: NetworkList): Promise<string | null> {
  const url = parseWebhookUrl(text);
  if (!url) return URL_MESSAGES.invalid;
  const host = hostOf(url);
  if (url.protocol === 'http:') {
    if (allowed.size === 0) return URL_MESSAGES.https;
    const check = await checkHost(host, allowed);
    if (!check.ok || !check.addresses.every((entry) => allowed.contains(entry.address))) return URL_MESSAGES.https;
    return null;
  }
  const check = await checkHost(host, allowed);
  if (check.ok) return null;
  return check.reason === 'blocked' ? URL_MESSAGES.public : URL_MESSAGES.unresolved;
}
