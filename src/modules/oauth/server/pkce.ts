import crypto from 'node:crypto';

/** RFC 7636 §4.1: 43–128 unreserved characters; a challenge has the same alphabet and length. */
export const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

export function s256(verifier: string): string {
  return crypto.createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
