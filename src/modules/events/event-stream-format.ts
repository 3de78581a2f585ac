/**
 * The blocks a stream of GET /api/v1/events writes (docs/events.md#the-stream), in the WHATWG event-stream format:
 * each `data:` is one line of JSON (JSON.stringify never writes a raw newline), each block ends with a blank line.
 */
export function retryBlock(milliseconds: number): string {
  return `retry: ${milliseconds}\n\n`;
}

/** A named block without `id:`, so it never moves the client's last event id (`ready`, `closing`). */
export function namedBlock(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** An event of the log (or a `reset`, whose id is the head). */
export function eventBlock(id: number, event: string, json: string): string {
  return `id: ${id}\nevent: ${event}\ndata: ${json}\n\n`;
}

/** After events left out: moves the client's last event id without dispatching anything. */
export function skippedIdBlock(id: number): string {
  return `id: ${id}\n\n`;
}

export const PING_BLOCK = ': ping\n\n';

export type ClosingReason = 'token_expired' | 'token_revoked' | 'access_revoked' | 'shutdown';
