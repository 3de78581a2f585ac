/** What the stream benchmarks (bench:widget, bench:events) share: engine flags, a small pool, memory and percentiles. */
import fs from 'node:fs';
import http from 'node:http';
import { parseFlags, UsageError, type FlagConfig } from './common.js';

export type Engine = 'postgres' | 'pglite';

/** Parses `--help`, `--engines` (a comma list of postgres and pglite) and the script's own flags. */
export function parseStreamFlags<const T extends FlagConfig>(argv: string[], own: T, defaultEngines: string) {
  const flags = parseFlags(argv, { ...own, help: { type: 'boolean' }, engines: { type: 'string' } } as const);
  const common = flags as { help?: boolean; engines?: string };
  const engines = (common.engines ?? defaultEngines).split(',') as Engine[];
  if (!engines.every((engine) => engine === 'postgres' || engine === 'pglite')) throw new UsageError(`--engines must list postgres and/or pglite.`);
  return { flags: flags as unknown as Record<keyof T, string | undefined>, help: common.help ?? false, engines };
}

export async function json(url: string, init: RequestInit = {}): Promise<any> {
  const response = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** Runs `work` over `items`, `limit` at a time. */
export async function pool<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}

export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * One open event stream and when each id it counts arrived. `idOf` reads an id from an event block (null: not
 * counted): bench:widget counts every message, bench:events the `message.created` events.
 */
export class StreamArrivals {
  readonly arrivals = new Map<number, number>();
  duplicates = 0;
  private request: http.ClientRequest | null = null;

  constructor(private readonly idOf: (block: string) => number | null) {}

  open(url: string, headers: Record<string, string> = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      this.request = http.get(url, { agent: false, headers }, (response) => {
        if (response.statusCode !== 200) return reject(new Error(`stream answered ${response.statusCode}`));
        response.setEncoding('utf8');
        let buffer = '';
        response.on('data', (chunk: string) => {
          const now = performance.now();
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const id = this.idOf(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            if (id === null) continue;
            if (this.arrivals.has(id)) this.duplicates++;
            else this.arrivals.set(id, now);
          }
        });
        resolve();
      });
      this.request.on('error', reject);
    });
  }

  close(): void {
    this.request?.destroy();
  }
}
