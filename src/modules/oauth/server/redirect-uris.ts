const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

function parse(uri: string): URL | null {
  try {
    return new URL(uri);
  } catch {
    return null;
  }
}

/**
 * docs/oauth.md#applications: exact string equality, except that a registered loopback http URI without a port
 * matches the same URI (same host literal) with any port (RFC 8252 §7.3).
 */
export function redirectUriMatches(registered: readonly string[], given: string): boolean {
  if (registered.includes(given)) return true;
  const candidate = parse(given);
  if (!candidate || candidate.protocol !== 'http:' || candidate.port === '' || !LOOPBACK_HOSTS.has(candidate.hostname)) return false;
  return registered.some((uri) => {
    const url = parse(uri);
    if (!url || url.protocol !== 'http:' || url.port !== '' || url.hostname !== candidate.hostname) return false;
    // The registered text itself must name no port (http://127.0.0.1:80/ normalises to an empty port).
    if (/^http:\/\/(\[[^\]]*\]|[^/:?#]*):/i.test(uri)) return false;
    const withPort = new URL(url.href);
    withPort.port = candidate.port;
    return withPort.href === candidate.href && given === candidate.href;
  });
}

/** Adds query parameters to a redirect URI, with `&` when it already has a query (docs/oauth.md#login-and-consent-pages). */
export function withParams(uri: string, params: Record<string, string | null>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== null) query.set(name, value);
  return `${uri}${uri.includes('?') ? '&' : '?'}${query.toString()}`;
}

/** The origin to allow in the consent page's form-action (a private-use scheme allows the scheme). */
export function redirectOrigin(uri: string): string | null {
  const url = parse(uri);
  if (!url) return null;
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
}
