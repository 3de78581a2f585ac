import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { NetworkList } from '../../platform/networks.js';
import { checkHost, hostOf } from './address-policy.js';

/**
 * One webhook attempt over the wire (docs/webhooks.md#the-request): the host is resolved and checked again, and the
 * connection goes to the address checked (the socket's lookup is pinned to it; TLS server name and Host stay the
 * URL's), so a DNS answer that changes between check and connect cannot redirect it. No redirect is followed; the
 * whole attempt, lookup included, is bounded by the timeout, and at most 64 KiB of the answer is read.
 */

export const MAX_RESPONSE_BYTES = 64 * 1024;
const KEPT_BODY_BYTES = 2048;

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface AttemptResult {
  /** null without an HTTP answer. */
  status: number | null;
  /** The first 2,048 bytes of the answer as UTF-8; null when empty or absent. */
  body: string | null;
  retryAfter: string | null;
  latencyMs: number;
  /** null on 2xx. */
  error: string | null;
}

export interface SendOptions {
  allowed: NetworkList;
  timeoutMs: number;
  /** Aborts the attempt (shutdown): it ends at once with the error `Aborted.`. */
  signal?: AbortSignal;
}

export const ABORTED_ERROR = 'Aborted.';

function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;
}

export async function sendWebhook(request: WebhookRequest, options: SendOptions): Promise<AttemptResult> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const failed = (error: string): AttemptResult => ({ status: null, body: null, retryAfter: null, latencyMs: latency(), error });
  // An abort event has already fired and will not fire again: without this the attempt would run to its timeout.
  if (options.signal?.aborted) return failed(ABORTED_ERROR);
  const timeoutMessage = `Timeout after ${options.timeoutMs} ms.`;
  const url = new URL(request.url);
  let timer: NodeJS.Timeout | undefined;
  // The timeout and an abort both end the attempt through `deadline`; which one it was decides the error.
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
    options.signal?.addEventListener('abort', () => resolve('timeout'), { once: true });
  });
  const endMessage = () => (options.signal?.aborted ? ABORTED_ERROR : timeoutMessage);
  try {
    const check = await Promise.race([checkHost(hostOf(url), options.allowed), deadline]);
    if (check === 'timeout') return failed(endMessage());
    if (!check.ok) return failed(check.reason === 'blocked' ? `Blocked address ${check.address}.` : `Connection failed: ${check.error}.`);
    // Plain http stays confined to the allowed networks, whatever the host resolves to now.
    const outside = url.protocol === 'http:' ? check.addresses.find((entry) => !options.allowed.contains(entry.address)) : undefined;
    if (outside) return failed(`Blocked address ${outside.address}.`);
    const target = check.addresses[0]!;
    return await exchange(url, request, pinnedLookup(target.address, target.family), deadline, endMessage, latency);
  } finally {
    clearTimeout(timer);
  }
}

function exchange(
  url: URL,
  request: WebhookRequest,
  lookup: LookupFunction,
  deadline: Promise<'timeout'>,
  endMessage: () => string,
  latency: () => number,
): Promise<AttemptResult> {
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<AttemptResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...result, latencyMs: latency() });
    };
    const transport = url.protocol === 'https:' ? https : http;
    const outgoing = transport.request(url, {
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(request.body.length) },
      lookup,
      agent: false,
    });
    void deadline.then(() => {
      finish({ status: null, body: null, retryAfter: null, error: endMessage() });
      outgoing.destroy();
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      finish({ status: null, body: null, retryAfter: null, error: `Connection failed: ${error.code ?? error.message}.` });
    });
    outgoing.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const status = response.statusCode ?? 0;
        const kept = Buffer.concat(chunks).subarray(0, KEPT_BODY_BYTES);
        const retryAfter = response.headers['retry-after'];
        finish({
          status,
          body: kept.length === 0 ? null : kept.toString('utf8'),
          retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
          error: status >= 200 && status < 300 ? null : `HTTP ${status}.`,
        });
      };
      response.on('data', (chunk: Buffer) => {
        if (size < KEPT_BODY_BYTES) chunks.push(chunk);
        size += chunk.length;
        // Enough is read: the rest is not waited for (a 2xx stays a success).
        if (size >= MAX_RESPONSE_BYTES) {
          done();
          response.destroy();
        }
      });
      response.on('end', done);
      response.on('error', done);
      response.on('close', done);
    });
    outgoing.end(request.body);
  });
}
