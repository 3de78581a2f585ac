import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../../../app-deps.js';
import { constantTimeEqual, hmacSha256Hex } from '../../../../platform/crypto.js';
import { canonicalEmail } from '../../../users/email-key.js';
import { isSecure, readCookie } from './browser-session.js';

/**
 * OWASP's device cookies: a browser that signed in to an account is trusted for it, so the per-account login limit
 * (which anyone can run down from a few addresses) never holds it; its own failures are limited per device instead
 * (login-limits.ts). Value: `<device id>.<signature>[.<signature>…]`, one signature per account signed in from this
 * browser (the latest few), each an HMAC of the device id and the canonical email under a key derived from the
 * encryption key, so it can be neither forged nor moved to another account.
 */
export const DEVICE_COOKIE = 'flextell_device';
const MAX_AGE_SECONDS = 180 * 24 * 3600;
const ACCOUNTS_PER_DEVICE = 5;
const DEVICE_ID = /^[A-Za-z0-9_-]{22}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

function signature(deps: AppDeps, device: string, email: string): string {
  const mac = hmacSha256Hex(deps.box.derive('login-device-cookie'), `${device}\n${canonicalEmail(email)}`);
  return Buffer.from(mac, 'hex').toString('base64url');
}

function readDeviceCookie(request: FastifyRequest): { device: string; signatures: string[] } | null {
  const [device, ...signatures] = (readCookie(request, DEVICE_COOKIE) ?? '').split('.');
  if (!device || !DEVICE_ID.test(device) || !signatures.every((value) => SIGNATURE.test(value))) return null;
  return { device, signatures: signatures.slice(-ACCOUNTS_PER_DEVICE) };
}

/** The device id when the request's device cookie is valid for the account of `email`; null otherwise. */
export function trustedDevice(deps: AppDeps, request: FastifyRequest, email: string): string | null {
  const cookie = readDeviceCookie(request);
  if (!cookie) return null;
  const expected = signature(deps, cookie.device, email);
  return cookie.signatures.some((value) => constantTimeEqual(value, expected)) ? cookie.device : null;
}

/** After a successful sign-in: the browser is trusted for this account too (kept for 180 days from now). */
export function rememberDevice(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, email: string): void {
  const cookie = readDeviceCookie(request);
  const device = cookie?.device ?? crypto.randomBytes(16).toString('base64url');
  const signed = signature(deps, device, email);
  const others = (cookie?.signatures ?? []).filter((value) => value !== signed).slice(-(ACCOUNTS_PER_DEVICE - 1));
  const secure = isSecure(request, deps) ? '; Secure' : '';
  reply.header(
    'Set-Cookie',
    `${DEVICE_COOKIE}=${[device, ...others, signed].join('.')}; Max-Age=${MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax; Path=/oauth${secure}`,
  );
}
