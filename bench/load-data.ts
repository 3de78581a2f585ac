/**
 * Benchmark data loader (README.md#the-flextell-cli): one big tenant (1,000,000 conversations, 200,000 customers) plus 200 small
 * tenants (2,000 conversations, 400 customers each) in the PostgreSQL database of DATABASE_URL, then VACUUM ANALYZE
 * (index-only scans need the visibility map, the planner needs statistics).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/flextell_bench npm run bench:data -- --json
 *
 * The last stdout line (with --json) is the big tenant's seed object plus "small_tenants": [<seed object>, …]; the
 * same line is saved to bench/.data/seed.json for bench:list. Progress and timings go to stderr.
 * Flags (defaults in brackets) exist for smoke runs: --conversations [1000000] --customers [200000]
 * --small-tenants [200] --small-conversations [2000] --small-customers [400] --concurrency [2] --no-vacuum --out FILE.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, ConfigError } from '../src/config.js';
import { createDeps, openDatabase } from '../src/bootstrap.js';
import { seedDemoTenant, type SeedResult } from '../src/modules/demo/seed.js';
import { cliIssuer } from '../src/server.js';
import {
  benchRoot,
  defaultSeedFile,
  formatSeconds,
  integerOption,
  parseFlags,
  RARE_LAST_NAME,
  runScript,
  scriptLog,
  UsageError,
  type BenchSeed,
} from './common.js';
import { runCli } from './server-process.js';

const USAGE = `Usage: DATABASE_URL=postgres://… npm run bench:data -- [--json] [flags]

Loads one big tenant and many small ones, VACUUM ANALYZEs the database and saves the seed object to
bench/.data/seed.json (with --json it is also the last stdout line).

  --conversations N        big tenant conversations (1000000)
  --customers N            big tenant customers (200000)
  --small-tenants N        small tenants (200)
  --small-conversations N  conversations per small tenant (2000)
  --small-customers N      customers per small tenant (400)
  --concurrency N          small tenants seeded at once (2)
  --no-vacuum              skip VACUUM (ANALYZE)
  --out FILE               where to save the seed object (bench/.data/seed.json)
`;

function readOptions(argv: string[]) {
  const parsed = parseFlags(argv, {
    json: { type: 'boolean', default: false },
    conversations: { type: 'string' },
    customers: { type: 'string' },
    'small-tenants': { type: 'string' },
    'small-conversations': { type: 'string' },
    'small-customers': { type: 'string' },
    concurrency: { type: 'string' },
    'no-vacuum': { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  });
  const conversations = integerOption(parsed.conversations, 'conversations', 1_000_000, 0);
  const smallConversations = integerOption(parsed['small-conversations'], 'small-conversations', 2_000, 0);
  return {
    help: parsed.help ?? false,
    json: parsed.json ?? false,
    conversations,
    customers: integerOption(parsed.customers, 'customers', 200_000, conversations > 0 ? 1 : 0),
    smallTenants: integerOption(parsed['small-tenants'], 'small-tenants', 200, 0),
    smallConversations,
    smallCustomers: integerOption(parsed['small-customers'], 'small-customers', 400, smallConversations > 0 ? 1 : 0),
    concurrency: integerOption(parsed.concurrency, 'concurrency', 2, 1),
    vacuum: !(parsed['no-vacuum'] ?? false),
    out: path.resolve(parsed.out ?? defaultSeedFile()),
  };
}

const log = scriptLog('bench:data');

async function main(options: ReturnType<typeof readOptions>): Promise<void> {
  const config = loadConfig(process.env);
  if (!config.databaseUrl)
    throw new UsageError('bench:data needs DATABASE_URL (a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/flextell_bench).');
  const issuer = cliIssuer(config);
  const started = performance.now();
  // The compiled copy of src/ under dist-bench/ cannot find migrations/ (MIGRATIONS_DIR is relative to dist/), so the
  // built CLI brings the schema up to date and the loader skips that step.
  const migrated = await runCli(['migrate'], process.env);
  log(migrated.trim().split('\n').pop() ?? 'migrated');
  const db = await openDatabase({ ...config, databasePoolSize: Math.max(config.databasePoolSize, options.concurrency + 1) });
  try {
    const deps = await createDeps(config, db, { skipMigrations: true, onWarning: (message) => log(message) });
    try {
      const existing = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM tenants');
      if ((existing.rows[0]?.count ?? 0) > 0) {
        log(`note: the database already has ${existing.rows[0]?.count} tenant(s); drop and recreate it for a clean load.`);
      }

      log(`big tenant: ${options.conversations} conversations, ${options.customers} customers`);
      const bigStarted = performance.now();
      let lastReport = 0;
      const big = await seedDemoTenant(deps, {
        conversations: options.conversations,
        customers: options.customers,
        issuer,
        onProgress: (done, total) => {
          const now = performance.now();
          if (done >= total || now - lastReport > 1000) {
            lastReport = now;
            const seconds = (now - bigStarted) / 1000;
            log(`  ${done}/${total} conversations (${formatSeconds(seconds)}, ${Math.round(done / Math.max(seconds, 0.001))}/s)`);
          }
        },
      });
      const bigSeconds = (performance.now() - bigStarted) / 1000;
      log(`big tenant ${big.tenant_id} done in ${formatSeconds(bigSeconds)}`);
      // Seeded names repeat (16 × 16), so give three customers a name nobody else has: the "rare term" of bench:list.
      await db.query(
        `UPDATE customers SET last_name = $2 WHERE tenant_id = $1 AND id IN (SELECT id FROM customers WHERE tenant_id = $1 ORDER BY id LIMIT 3 OFFSET 1000)`,
        [big.tenant_id, RARE_LAST_NAME],
      );

      log(
        `${options.smallTenants} small tenants: ${options.smallConversations} conversations, ${options.smallCustomers} customers each (${options.concurrency} at a time)`,
      );
      const smallStarted = performance.now();
      const small: SeedResult[] = new Array(options.smallTenants);
      let next = 0;
      let finished = 0;
      const worker = async () => {
        for (let index = next++; index < options.smallTenants; index = next++) {
          small[index] = await seedDemoTenant(deps, {
            conversations: options.smallConversations,
            customers: options.smallCustomers,
            issuer,
          });
          finished += 1;
          if (finished % 20 === 0 || finished === options.smallTenants) {
            log(`  ${finished}/${options.smallTenants} small tenants (${formatSeconds((performance.now() - smallStarted) / 1000)})`);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.concurrency, Math.max(options.smallTenants, 1)) }, worker));
      const smallSeconds = (performance.now() - smallStarted) / 1000;
      log(`small tenants done in ${formatSeconds(smallSeconds)}`);

      let vacuumSeconds = 0;
      if (options.vacuum) {
        const vacuumStarted = performance.now();
        log('VACUUM (ANALYZE) …');
        // The whole (dedicated) database: every table the list touches, with visibility map and statistics.
        await db.query('VACUUM (ANALYZE)');
        vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
        log(`VACUUM (ANALYZE) done in ${formatSeconds(vacuumSeconds)}`);
      }

      const totalSeconds = (performance.now() - started) / 1000;
      log(
        `total ${formatSeconds(totalSeconds)} (big tenant ${formatSeconds(bigSeconds)}, small tenants ${formatSeconds(smallSeconds)}, ` +
          `vacuum ${formatSeconds(vacuumSeconds)})`,
      );

      const result: BenchSeed = { ...big, small_tenants: small.sort((a, b) => a.tenant_id - b.tenant_id) };
      const line = JSON.stringify(result);
      fs.mkdirSync(path.dirname(options.out), { recursive: true });
      fs.writeFileSync(options.out, line + '\n', { mode: 0o600 });
      const relative = path.relative(benchRoot(), options.out);
      log(`seed object saved to ${relative.startsWith('..') ? options.out : relative}`);
      if (options.json) {
        process.stdout.write(line + '\n');
      } else {
        process.stdout.write(
          `Loaded big tenant ${big.tenant_id} (X-Tenant: ${big.tenant_id}) and ${small.length} small tenants in ${formatSeconds(totalSeconds)}.\n` +
            `Seed object: ${options.out}\n`,
        );
      }
    } finally {
      await deps.limiter.close();
    }
  } finally {
    await db.close();
  }
}

runScript({
  name: 'bench:data',
  usage: USAGE,
  readOptions,
  main,
  // A configuration error names the variable to fix; "bench:data failed" would make it read like a crash.
  explainsItself: (error) => error instanceof ConfigError,
});
