import { settleBackgroundMoves } from './modules/events/event-outbox.js';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { AppDeps } from './app-deps.js';
import { buildApp } from './app.js';
import { createDeps, openDatabase } from './bootstrap.js';
import { acquireDataDirLock } from './platform/data-dir-lock.js';
import { createLogger } from './platform/logger.js';
import { seedDemoTenant } from './modules/demo/seed.js';
import { anyTenantExists } from './modules/tenants/tenant.repository.js';
import { mintPersonalToken } from './modules/oauth/personal-tokens.js';
import { createJobWorker } from './jobs.js';
import type { JobWorker } from './platform/jobs/job-worker.js';
import { releaseAbandonedJobs } from './platform/jobs/job-queue.js';
import { inboxBuildWarning } from './modules/inbox/inbox-routes.js';

const DRAIN_MS = 8000;
const HARD_EXIT_MS = 10_000;

interface DemoLogin {
  tenant_id: number;
  user_id: number;
  email: string;
  password: string;
}

function hostForUrl(host: string, forLog: boolean): string {
  if (host === '0.0.0.0') return forLog ? '127.0.0.1' : 'localhost';
  if (host === '::') return forLog ? '[::1]' : 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

export function cliIssuer(config: Config): string {
  return config.publicUrl ?? `http://localhost:${config.port}`;
}

/** On a database without tenants the first `serve --demo` seeds one and keeps its login in demo.json (mode 0600). */
async function prepareDemo(deps: AppDeps, config: Config): Promise<DemoLogin | null> {
  const demoFile = path.join(config.dataDir, 'demo.json');
  if (!(await anyTenantExists(deps.db))) {
    const seed = await seedDemoTenant(deps, { conversations: 20, customers: 20, issuer: cliIssuer(config) });
    const login: DemoLogin = { tenant_id: seed.tenant_id, user_id: seed.user_id, email: seed.email, password: seed.password };
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(demoFile, JSON.stringify(login, null, 2) + '\n', { mode: 0o600 });
    return login;
  }
  try {
    return JSON.parse(fs.readFileSync(demoFile, 'utf8')) as DemoLogin;
  } catch {
    return null;
  }
}

async function printBanner(deps: AppDeps, config: Config, port: number, login: DemoLogin | null): Promise<void> {
  const base = `http://${hostForUrl(config.host, false)}:${port}`;
  const lines = [`Flextell is running at ${base}`, `  API docs:    ${base}/docs`];
  if (config.inbox) lines.push(`  Inbox:       ${base}/app/`);
  const minted = login ? await mintPersonalToken(deps, { email: login.email, tenantId: null, issuer: cliIssuer(config) }).catch(() => null) : null;
  if (login && minted) {
    lines.push(
      `  Demo login:  ${login.email} / ${login.password}   (Demo Tenant ${login.tenant_id})`,
      `  X-Tenant: ${login.tenant_id}`,
      '  Bearer token (valid 30 days):',
      `    ${minted}`,
      '  Try it:',
      `    curl -H "Authorization: Bearer ${minted}" -H "X-Tenant: ${login.tenant_id}" ${base}/api/v1/conversations`,
    );
  } else {
    const hint = config.databaseUrl ? '' : ' (stop the server first: the embedded database allows one process)';
    lines.push(`  Get a token: npx flextell token --email <email>${hint}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

/**
 * `flextell serve` (and `worker`, which is the same process without HTTP): configuration → data-dir lock → migrations → (demo) → listen; graceful shutdown on
 * SIGTERM/SIGINT within 10 s, a second signal exits at once (docs/jobs-and-delivery.md#leases).
 */
export async function runServe(config: Config, options: { demo: boolean; http?: boolean; jobs?: boolean }): Promise<void> {
  const logger = createLogger(config);
  const releaseLock = config.databaseUrl ? () => undefined : acquireDataDirLock(config.dataDir);
  let app: FastifyInstance | null = null;
  let deps: AppDeps | null = null;
  let worker: JobWorker | null = null;
  let stopping = false;
  const db = await openDatabase(config);
  const shutdown = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), HARD_EXIT_MS).unref();
    // One drain budget for everything below, so the process exits 0 well within HARD_EXIT_MS.
    const deadline = Date.now() + DRAIN_MS;
    if (deps) deps.lifecycle.shuttingDown = true;
    const drained = app ? Promise.race([app.close(), new Promise((resolve) => setTimeout(resolve, DRAIN_MS))]) : Promise.resolve();
    await Promise.all([drained.catch(() => undefined), worker?.stop(DRAIN_MS).catch(() => undefined)]);
    // Events that background work staged move into the log before the database closes (docs/events.md#ids).
    await Promise.race([settleBackgroundMoves(db), new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())))]);
    // A client that hung up leaves its handler running after close(); the database stays open until it ends.
    while (deps && deps.lifecycle.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await deps?.limiter.close().catch(() => undefined);
    await deps?.eventBus.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    releaseLock();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  try {
    deps = await createDeps(config, db, { onWarning: (message) => logger.warn(message), log: (fields, message) => logger.info(fields, message) });
    const login = options.demo ? await prepareDemo(deps, config) : null;
    if (options.jobs !== false) {
      // The embedded database has one process, so whatever is `running` was left by one that crashed.
      const released = config.databaseUrl ? 0 : await releaseAbandonedJobs(deps.db);
      if (released > 0) logger.warn({ released }, 'jobs of a crashed process released');
      worker = createJobWorker(deps, logger);
      worker.start();
    }
    if (options.http === false) {
      logger.info({ concurrency: config.jobConcurrency }, 'worker started');
      return;
    }
    app = await buildApp(deps, { logger });
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ url: `http://${hostForUrl(config.host, true)}:${port}` }, 'listening');
    const inboxWarning = inboxBuildWarning(deps);
    if (inboxWarning) logger.warn(inboxWarning);
    if (options.demo) await printBanner(deps, config, port, login);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    releaseLock();
    throw error;
  }
}
