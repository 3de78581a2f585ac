import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openPglite } from '../../src/platform/db/pglite.js';
import { migratedSnapshot } from './pglite-snapshot.js';
import { createServerDatabase, currentEngine, migratedTemplate } from './test-database.js';
import { metaWebhookRequest, uniqueDigits, whatsAppContact, whatsAppDelivery, whatsAppText, type WebhookRequest } from './webhooks.js';

/**
 * Bursts of signed WhatsApp webhooks over real HTTP against a real `flextell serve` process, and the database behind
 * it read directly (docs/channels.md#restart-safety). Each sender posts its webhooks one after another on its own
 * keep-alive connection (so its receipt order is its send order), the senders run concurrently, and every answer
 * is recorded as the client saw it: status, `Connection` header, body — or a network error.
 */

export interface Answer {
  status: number | 'error';
  connection?: string;
  body?: string;
  /** The network error's code (ECONNRESET, ECONNREFUSED, …). */
  error?: string;
}

export interface Webhook {
  wamid: string;
  sender: number;
  index: number;
  request: WebhookRequest;
}

/** One POST on `agent`; a refused, reset or cut-off connection is an `error` answer, never a throw. */
export function post(baseUrl: string, agent: http.Agent, request: WebhookRequest): Promise<Answer> {
  return new Promise((resolve) => {
    const headers = { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) };
    const outgoing = http.request(`${baseUrl}${request.path}`, { method: request.method, agent, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, connection: response.headers.connection, body }));
      response.on('error', () => resolve({ status: 'error' }));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 'error', error: error.code ?? error.message }));
    outgoing.end(request.body);
  });
}

/** A WhatsApp channel's customers and their webhooks: one text message each, wamids unique to the run. */
export class WhatsAppSenders {
  readonly waIds: string[];
  readonly webhooks: Webhook[][];
  readonly run = uniqueDigits(8);

  constructor(
    readonly phoneNumberId: string,
    readonly appSecret: string,
    senders: number,
    perSender: number,
  ) {
    this.waIds = Array.from({ length: senders }, () => `90532${uniqueDigits(7)}`);
    this.webhooks = this.waIds.map((_, sender) => Array.from({ length: perSender }, (_, index) => this.webhook(sender, index, `${index}`)));
  }

  /** The webhook of one message; `label` makes its wamid (`wamid.<run>.<sender>.<label>`) and text. */
  webhook(sender: number, index: number, label: string): Webhook {
    const waId = this.waIds[sender]!;
    const wamid = `wamid.${this.run}.${sender}.${label}`;
    const body = whatsAppDelivery(this.phoneNumberId, {
      contacts: [whatsAppContact(waId, `Sender ${sender}`)],
      messages: [whatsAppText(wamid, `m ${sender}.${label}`, waId)],
    });
    return { wamid, sender, index, request: metaWebhookRequest('whatsapp', body, this.appSecret) };
  }

  all(): Webhook[] {
    return this.webhooks.flat();
  }
}

/** Every answer each wamid got, in order. */
export class Answers {
  private readonly byWamid = new Map<string, Answer[]>();

  record(wamid: string, answer: Answer): void {
    this.byWamid.set(wamid, [...(this.byWamid.get(wamid) ?? []), answer]);
  }

  of(wamid: string): Answer[] {
    return this.byWamid.get(wamid) ?? [];
  }

  acknowledged(): string[] {
    return [...this.byWamid].filter(([, answers]) => answers.some((answer) => answer.status === 200)).map(([wamid]) => wamid);
  }

  all(): Answer[] {
    return [...this.byWamid.values()].flat();
  }
}

/**
 * Posts each sender's webhooks in order, the senders concurrently. Every `twinEvery`-th webhook of a sender is posted
 * twice at once on two connections, as a provider retrying a delivery it has not seen answered yet (§9.16 of the
 * channels contract: each 200 means the event is committed). `afterAnswer` runs after every answer (a test stops the
 * server from it); a sender stops at its first network error, since the server is gone.
 */
export async function fireBurst(
  baseUrl: string,
  webhooks: Webhook[][],
  answers: Answers,
  options: { twinEvery?: number; afterAnswer?: () => void } = {},
): Promise<void> {
  await Promise.all(
    webhooks.map(async (list) => {
      const agents = [new http.Agent({ keepAlive: true, maxSockets: 1 }), new http.Agent({ keepAlive: true, maxSockets: 1 })];
      try {
        for (const webhook of list) {
          const twin = options.twinEvery !== undefined && webhook.index % options.twinEvery === 0;
          const received = await Promise.all((twin ? agents : agents.slice(0, 1)).map((agent) => post(baseUrl, agent, webhook.request)));
          for (const answer of received) {
            answers.record(webhook.wamid, answer);
            options.afterAnswer?.();
          }
          if (received.some((answer) => answer.status === 'error')) return;
        }
      } finally {
        for (const agent of agents) agent.destroy();
      }
    }),
  );
}

/** The server's database: its env for `serve`, and queries run beside it (PostgreSQL) or while it is stopped (embedded). */
export type StoreQuery = <T>(sql: string, params?: unknown[]) => Promise<T[]>;

export interface ServerStore {
  env: Record<string, string>;
  /** Runs `work` with one connection (the embedded database is opened once for it). */
  inspect<T>(work: (query: StoreQuery) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

export async function serverStore(): Promise<ServerStore> {
  if (currentEngine() === 'postgres') {
    const { url, drop } = await createServerDatabase(await migratedTemplate(process.env.TEST_DATABASE_URL!));
    return {
      env: { DATABASE_URL: url },
      async inspect(work) {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          return await work(async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[]);
        } finally {
          await client.end();
        }
      },
      drop,
    };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-ingest-'));
  // The data directory starts as a copy of the migrated snapshot: initdb and migrations in WebAssembly cost seconds.
  await (await openPglite(path.join(dataDir, 'pgdata'), { loadDataDir: await migratedSnapshot() })).close();
  return {
    env: { FLEXTELL_DATA_DIR: dataDir },
    // Only while no server holds the directory: the embedded database has one process.
    async inspect(work) {
      const db = await openPglite(path.join(dataDir, 'pgdata'));
      try {
        return await work(async <T>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows);
      } finally {
        await db.close();
      }
    },
    drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
}
