import { defineConfig, type ViteUserConfig } from 'vitest/config';
import os from 'node:os';
import pg from 'pg';

/**
 * The suite runs on PGlite, and again on PostgreSQL when TEST_DATABASE_URL is set. Unreachable PostgreSQL
 * skips that pass with a warning, except under CI=true, where it fails the run.
 */
async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default defineConfig(async (): Promise<ViteUserConfig> => {
  const url = process.env.TEST_DATABASE_URL;
  let withPostgres = false;
  if (url) {
    withPostgres = await postgresReachable(url);
    if (!withPostgres) {
      const message = `TEST_DATABASE_URL is set but PostgreSQL at ${url} is unreachable.`;
      if (process.env.CI === 'true') throw new Error(`${message} Failing because CI=true.`);
      console.warn(`${message} Skipping the PostgreSQL pass.`);
    }
  }
  const shared = { testTimeout: 60_000, hookTimeout: 120_000 };
  return {
    test: {
      pool: 'forks' as const,
      // Vitest's default is one worker less than the cores: a single worker on a 2-core machine, the whole suite in
      // series. One worker per core (not more: the real-process tests have deadlines). VITEST_MAX_WORKERS overrides it.
      maxWorkers: os.availableParallelism(),
      // Files share their worker's module cache instead of importing the app afresh each (about 40% of a small
      // file's CPU time). Every file still opens its own database and app, and closes them in afterAll.
      isolate: false,
      projects: [
        { extends: true as const, test: { ...shared, name: 'pglite', include: ['test/**/*.test.ts'], env: { TEST_ENGINE: 'pglite' } } },
        ...(withPostgres
          ? [
              {
                extends: true as const,
                test: { ...shared, name: 'postgres', include: ['test/api/**/*.test.ts', 'test/cli/ingest-restart.test.ts'], env: { TEST_ENGINE: 'postgres' } },
              },
            ]
          : []),
      ],
    },
  };
});
