/** One HTTP call over a real socket, its answer read as the harness's TestResponse (the body parsed when it is JSON). */
import type { TestResponse } from './harness.js';

export interface CallOptions {
  token?: string | null;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (malformed bodies). */
  raw?: string;
  headers?: Record<string, string>;
}

export async function httpCall(base: string, method: string, path: string, options: CallOptions = {}): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body: text, json };
}
