import { settleBackgroundMoves } from '../../src/modules/events/event-outbox.js';
import type { FastifyInstance, LightMyRequestResponse as Response } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { AppDeps } from '../../src/app-deps.js';
import { createDeps } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';
import { seedTestTenant } from './tenants.js';
import { PERSONAL_CLIENT } from '../../src/modules/oauth/access-tokens.js';
import { SCOPES, type Scope } from '../../src/modules/oauth/scopes.js';
import { openTestDatabase, type Engine } from './test-database.js';
import { createJobWorker } from '../../src/jobs.js';
import type { JobWorker } from '../../src/platform/jobs/job-worker.js';
import type { AdapterRegistry } from '../../src/modules/delivery/adapters.js';
import type { LlmTiming } from '../../src/modules/agent/llm/openai-compatible.js';

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: any;
}

export interface RequestOptions {
  method?: string;
  url: string;
  token?: string | null;
  tenant?: number | string | null;
  headers?: Record<string, string>;
  body?: unknown;
  /** Raw payload sent as is (malformed JSON tests). */
  payload?: string | Buffer;
}

export interface Harness {
  engine: Engine;
  deps: AppDeps;
  app: FastifyInstance;
  clock: ManualClock;
  /** The job worker of this app; tests run due jobs with `drainJobs` instead of waiting for polls. */
  worker: JobWorker;
  drainJobs(): Promise<number>;
  request(options: RequestOptions): Promise<TestResponse>;
  seedTenant(options?: { conversations?: number; customers?: number }): Promise<SeedResult>;
  token(userId: number, options?: { scopes?: Scope[]; tenant?: number | null; lifetimeSeconds?: number }): Promise<string>;
  close(): Promise<void>;
}

/**
 * The body of an injected answer. An event stream never ends by itself: it is read up to its `ready` block (the
 * opening a client sees first) and then dropped, which closes the stream on the server.
 */
async function readInjected(response: Response): Promise<string> {
  const chunks: Buffer[] = [];
  const stream = response.stream();
  const eventStream = String(response.headers['content-type']).startsWith('text/event-stream');
  for await (const chunk of stream) {
    chunks.push(Buffer.from(chunk as Buffer));
    if (eventStream && /event: ready\ndata: .*\n\n/.test(Buffer.concat(chunks).toString('utf8'))) {
      stream.destroy();
      response.raw.res.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One database and one app per test file; each test makes its own tenants, so tests never depend on each other. */
export async function createHarness(env: Record<string, string> = {}, options: { adapters?: AdapterRegistry; llmTiming?: LlmTiming } = {}): Promise<Harness> {
  const { db, engine, drop } = await openTestDatabase();
  const clock = new ManualClock(new Date());
  const config = loadConfig({ FLEXTELL_DATA_DIR: '/tmp/flextell-test-unused', FLEXTELL_RATE_LIMIT_PER_MINUTE: '1000000', ...env });
  const deps = await createDeps(config, db, {
    clock,
    ...(options.adapters ? { adapters: options.adapters } : {}),
    ...(options.llmTiming ? { llmTiming: options.llmTiming } : {}),
  });
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  // Full jitter pinned to its ceiling: a retry is due exactly 2, 4, 8 … seconds later.
  const worker = createJobWorker(deps, silent, { random: () => 1 });
  const app = await buildApp(deps);
  await app.ready();

  const harness: Harness = {
    engine,
    deps,
    app,
    clock,
    worker,
    async drainJobs() {
      const settled = await worker.drain();
      // Inbound processing moves its events into the log in the background: a test reads the log after it.
      await settleBackgroundMoves(deps.db);
      return settled;
    },
    async request(options) {
      const headers: Record<string, string> = { host: '127.0.0.1:8080', ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.tenant !== undefined && options.tenant !== null) headers['x-tenant'] = String(options.tenant);
      let payload = options.payload;
      if (options.body !== undefined) {
        payload = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      // Read as a stream, so an event stream (GET /api/v1/events) answers too: its opening, then it is cut.
      const response = await app.inject({ method: (options.method ?? 'GET') as 'GET', url: options.url, headers, payload, payloadAsStream: true });
      const body = await readInjected(response);
      let json: unknown = undefined;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      return { status: response.statusCode, headers: response.headers as TestResponse['headers'], body, json };
    },
    seedTenant: (options = {}) => seedTestTenant(deps, options),
    async token(userId, options = {}) {
      const minted = await deps.tokens.mint({
        userId,
        clientId: PERSONAL_CLIENT,
        tenantId: options.tenant ?? null,
        scopes: options.scopes ?? SCOPES,
        lifetimeSeconds: options.lifetimeSeconds ?? 3600,
        issuer: 'http://localhost:8080',
      });
      return minted.token;
    },
    async close() {
      await worker.stop();
      await settleBackgroundMoves(deps.db);
      // A test file's end waits for no connection: streams still open in a test are cut rather than closed.
      app.server.closeAllConnections();
      await app.close();
      await deps.limiter.close();
      await deps.eventBus.close();
      await drop();
    },
  };
  return harness;
}
