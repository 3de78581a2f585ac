import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import type { Clock } from '../../../platform/clock.js';
import type { FileStorage } from '../../../platform/storage/storage.js';
import type { FileLinks } from '../../files/file-links.js';
import type { Config } from '../../../config.js';
import { PermanentDeliveryError, TransientDeliveryError, type OutboundDelivery } from '../channel-adapter.js';

/** What the provider adapters need of the process (src/bootstrap.ts builds it from AppDeps). */
export interface ProviderDeps {
  config: Pick<Config, 'whatsappApiUrl' | 'instagramApiUrl' | 'telegramApiUrl' | 'metaGraphApiVersion' | 'providerTimeoutMs' | 'publicUrl'>;
  storage: FileStorage;
  fileLinks: FileLinks;
  clock: Clock;
  /** One line per provider call: channel, message, endpoint, HTTP status, duration — never the token or the text. */
  log?: (fields: object, message: string) => void;
}

/** A failed call as the provider explains it; `classify` turns it into a delivery error. */
export interface ProviderFailure {
  status: number;
  reason: string;
  /** Meta's `error.code`, when the body has one. */
  metaCode?: number | null;
  retryAfterSeconds: number | null;
}

const META_THROTTLING_CODES = new Set([4, 80007, 130429, 131056]);
const MAX_RETRY_AFTER_SECONDS = 300;
export const CREDENTIALS_REJECTED = 'The provider rejected the channel credentials: ';

/**
 * The retry rules of docs/jobs-and-delivery.md#adapters: 408, 429, 5xx and Meta's throttling codes are worth another
 * attempt (at the provider's Retry-After when given); an authentication failure and every other 4xx are final.
 */
export function classify(failure: ProviderFailure): Error {
  const { status, reason, metaCode } = failure;
  if (status === 408 || status === 429 || status >= 500 || (metaCode != null && META_THROTTLING_CODES.has(metaCode)) || status < 400) {
    return new TransientDeliveryError(reason, failure.retryAfterSeconds);
  }
  if (status === 401 || metaCode === 190) return new PermanentDeliveryError(CREDENTIALS_REJECTED + reason);
  return new PermanentDeliveryError(reason);
}

/** `Retry-After` in seconds or as an HTTP date, capped at 5 minutes; null when absent or unreadable. */
export function retryAfterSeconds(header: string | null, now: Date): number | null {
  if (header === null || header.trim() === '') return null;
  const value = header.trim();
  let seconds: number;
  if (/^[0-9]+$/.test(value)) seconds = Number(value);
  else {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return null;
    seconds = Math.ceil((at - now.getTime()) / 1000);
  }
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, seconds));
}

export function capRetryAfter(seconds: unknown): number | null {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, Math.ceil(seconds))) : null;
}

export interface ProviderAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or null when it was not JSON. */
  json: unknown;
}

/** An HTTP answer of any status, its body read whole; `text` null when the body could not be read. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string | null;
  /** The parsed JSON body, or null when it was not JSON. */
  json: unknown;
}

/** No answer at all: the deadline passed or the connection failed. The message names neither URL nor body. */
export class HttpCallError extends Error {
  constructor(
    readonly timedOut: boolean,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One HTTP request with a deadline over the whole exchange, shared by the delivery adapters and the model client
 * (src/modules/agent/llm/). A network error or timeout throws HttpCallError; any answer is returned as is.
 */
export async function fetchWithDeadline(url: string, init: RequestInit, timeoutMs: number): Promise<HttpAnswer> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const timedOut = (error as Error)?.name === 'TimeoutError';
    throw new HttpCallError(timedOut, timedOut ? `Timeout: no answer within ${timeoutMs} ms` : `Network error: ${networkReason(error)}`);
  }
  let text: string | null;
  try {
    text = await response.text();
  } catch {
    text = null;
  }
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/**
 * One HTTP call to a provider with the PROVIDER_TIMEOUT_MS deadline. A network error or timeout is transient; any
 * answer (whatever its status) is returned for the adapter to read. The log line never holds the URL (Telegram's
 * carries the token) nor the body.
 */
export async function callProvider(
  deps: ProviderDeps,
  delivery: OutboundDelivery,
  endpoint: string,
  url: string,
  init: { method: 'POST' | 'GET'; headers?: Record<string, string>; body?: string | FormData },
): Promise<ProviderAnswer> {
  const started = Date.now();
  const fields = { channel: delivery.channel.id, message: delivery.messageId, provider: delivery.channel.type, endpoint };
  try {
    const answer = await fetchWithDeadline(url, init, deps.config.providerTimeoutMs);
    deps.log?.({ ...fields, status: answer.status, ms: Date.now() - started }, 'provider call');
    return { status: answer.status, headers: answer.headers, json: answer.json };
  } catch (error) {
    if (!(error instanceof HttpCallError)) throw error;
    deps.log?.({ ...fields, status: null, ms: Date.now() - started, timed_out: error.timedOut }, 'provider call failed');
    throw new TransientDeliveryError(redact(error.message, delivery.channel.secrets));
  }
}

/** A failure reason is stored and logged: no credential may appear in it (a URL in an error names Telegram's token). */
export function redact(text: string, secrets: Record<string, string>): string {
  let clean = text;
  for (const value of Object.values(secrets)) if (value.length >= 8) clean = clean.split(value).join('[redacted]');
  return clean;
}

/** fetch() hides the socket's error in `cause` (ECONNREFUSED …). */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { message?: string; code?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
}

/** The reason of an answer without a provider error body: `500: Internal Server Error`. */
export function httpReason(status: number): string {
  return `${status}: ${STATUS_CODES[status] ?? 'HTTP error'}`;
}

/** A stored file's bytes, whole (uploads are limited in size when they are stored). */
export async function fileBytes(storage: FileStorage, storageKey: string): Promise<Uint8Array<ArrayBuffer>> {
  const { stream } = await storage.get(storageKey);
  const chunks: Buffer[] = [];
  for await (const chunk of stream as Readable) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * Sends the parts of one message in order and returns the first part's provider id. A failure of the first part is
 * passed on as is (nothing was sent, a retry is safe); a later failure is final, because retrying would send the
 * accepted parts twice (one provider send per outbound message, docs/jobs-and-delivery.md#adapters).
 */
export async function sendParts(parts: Array<() => Promise<string>>): Promise<string> {
  let firstId: string | null = null;
  for (const [index, part] of parts.entries()) {
    try {
      const id = await part();
      firstId ??= id;
    } catch (error) {
      if (index === 0) throw error;
      throw new PermanentDeliveryError(`Only ${index} of ${parts.length} parts were sent: ${(error as Error).message}`);
    }
  }
  return firstId!;
}
