#!/usr/bin/env node
import { loadConfig, ConfigError, type Config } from './config.js';
import { checkFlags, integerFlag, parseArgs, stringFlag, UsageError, type ParsedArgs } from './cli-args.js';
import { createDeps, openDatabase } from './bootstrap.js';
import { acquireDataDirLock, DataDirInUseError } from './platform/data-dir-lock.js';
import { DataDirAccessError } from './platform/data-dir-modes.js';
import { migrate } from './platform/db/migrate.js';
import type { AppDeps } from './app-deps.js';
import { seedDemoTenant } from './modules/demo/seed.js';
import { mintPersonalToken, PersonalTokenError } from './modules/oauth/personal-tokens.js';
import { isScope, SCOPES, type Scope } from './modules/oauth/scopes.js';
import { rotateSigningKey } from './modules/oauth/signing-keys.js';
import { revokeTokenByJti, revokeTokensOfEmail } from './modules/oauth/token-revocation.js';
import { cliIssuer, runServe } from './server.js';
import { setPassword } from './modules/users/password.js';
import { telegramSetWebhookCommand } from './modules/channels/telegram-cli.js';
import { eventsPruneCommand } from './modules/events/events-cli.js';

const USAGE = `Usage: flextell <command> [flags]

Commands:
  serve [--demo] [--no-jobs]        run the HTTP server and job workers (--demo: seed a demo tenant on first start)
  worker                            run the background job workers only (use with DATABASE_URL)
  migrate                           apply pending database migrations
  seed [--conversations N] [--customers N] [--json]
                                    create a new demo tenant (default 20 conversations)
  token --email E [--tenant ID] [--scopes "s1 s2"] [--expires-in SECONDS]
                                    mint a personal access token
  token revoke --jti J | --email E  revoke one access token, or every access and refresh token of an account
  keys rotate                       make a new signing key active
  password --email E                set a password read from the first line of stdin
  telegram set-webhook --channel ID [--url BASE]
                                    point a Telegram bot's webhook at BASE (default PUBLIC_URL)
  events prune --before TIMESTAMP   delete the events written before TIMESTAMP, as the retention job does

The database is chosen by DATABASE_URL (PostgreSQL) or FLEXTELL_DATA_DIR (embedded, default ./.flextell).
`;

const BOOLEAN_FLAGS = new Set(['demo', 'no-jobs', 'json', 'help']);

class CommandError extends Error {}

/** Opens the database under the data-dir lock, migrated and with keys ready, for one short command. */
async function withDeps<T>(config: Config, work: (deps: AppDeps) => Promise<T>): Promise<T> {
  const release = config.databaseUrl ? () => undefined : acquireDataDirLock(config.dataDir);
  const db = await openDatabase(config);
  try {
    const deps = await createDeps(config, db);
    try {
      return await work(deps);
    } finally {
      await deps.limiter.close();
      await deps.eventBus.close();
    }
  } finally {
    await db.close();
    release();
  }
}

function progressBar(done: number, total: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} conversations`);
  if (done >= total) process.stderr.write('\n');
}

async function seedCommand(config: Config, args: ParsedArgs): Promise<void> {
  checkFlags(args, ['conversations', 'customers', 'json']);
  const conversations = integerFlag(args, 'conversations', 20, 0, 100_000_000);
  const customers = integerFlag(args, 'customers', conversations, conversations > 0 ? 1 : 0, 100_000_000);
  const seed = await withDeps(config, (deps) => seedDemoTenant(deps, { conversations, customers, issuer: cliIssuer(config), onProgress: progressBar }));
  if (args.flags.has('json')) {
    process.stdout.write(JSON.stringify(seed) + '\n');
    return;
  }
  process.stdout.write(
    [
      `Created Demo Tenant ${seed.tenant_id} with ${conversations} conversations and ${customers} customers.`,
      `  Owner login:   ${seed.email} / ${seed.password}`,
      `  OAuth client:  ${seed.client_id} / ${seed.client_secret}`,
      `  Channels:      ${Object.entries(seed.channels)
        .map(([type, id]) => `${type} ${id}`)
        .join(', ')}`,
      `  Access token (X-Tenant: ${seed.tenant_id}):`,
      seed.access_token,
    ].join('\n') + '\n',
  );
}

async function tokenCommand(config: Config, args: ParsedArgs): Promise<void> {
  checkFlags(args, ['email', 'tenant', 'scopes', 'expires-in']);
  const email = stringFlag(args, 'email');
  if (!email) throw new UsageError('The flag --email is required.');
  const tenantText = stringFlag(args, 'tenant');
  if (args.flags.has('tenant') && !/^\d{1,18}$/.test(tenantText ?? '')) throw new UsageError('--tenant must be a numeric tenant id.');
  const scopesText = stringFlag(args, 'scopes');
  let scopes: Scope[] = [...SCOPES];
  if (scopesText !== undefined) {
    const names = scopesText.split(/[\s,]+/).filter(Boolean);
    const unknown = names.find((name) => !isScope(name));
    if (unknown !== undefined) throw new UsageError(`Unknown scope "${unknown}". Scopes: ${SCOPES.join(' ')}.`);
    scopes = names as Scope[];
  }
  const lifetimeSeconds = integerFlag(args, 'expires-in', 2_592_000, 60, 31_536_000);
  const token = await withDeps(config, (deps) =>
    mintPersonalToken(deps, { email, tenantId: tenantText ? Number(tenantText) : null, scopes, lifetimeSeconds, issuer: cliIssuer(config) }),
  );
  process.stdout.write(token + '\n');
}

async function tokenRevokeCommand(config: Config, args: ParsedArgs): Promise<void> {
  checkFlags(args, ['jti', 'email']);
  const jti = stringFlag(args, 'jti');
  const email = stringFlag(args, 'email');
  if ((jti === undefined) === (email === undefined)) throw new UsageError('Usage: flextell token revoke --jti J | --email E');
  if (jti !== undefined) {
    if (!/^[0-9a-f]{64}$/.test(jti)) throw new UsageError("--jti must be the 64 hex digits of a token's jti claim.");
    await withDeps(config, (deps) => revokeTokenByJti(deps, jti));
    process.stdout.write(`Revoked the access token ${jti}.\n`);
    return;
  }
  const count = await withDeps(config, (deps) => revokeTokensOfEmail(deps, email!));
  process.stdout.write(`Revoked ${count} access token${count === 1 ? '' : 's'} and every refresh token of ${email}.\n`);
}

async function readFirstLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

async function run(argv: string[]): Promise<void> {
  const args = parseArgs(argv, BOOLEAN_FLAGS);
  const [command, subcommand] = args.command;
  if (args.flags.has('help')) {
    process.stdout.write(USAGE);
    return;
  }
  if (!command) {
    process.stderr.write(USAGE);
    process.exitCode = 2;
    return;
  }
  const knownCommands = ['serve', 'worker', 'migrate', 'seed', 'token', 'keys', 'password', 'telegram', 'events'];
  if (!knownCommands.includes(command)) throw new UsageError(`Unknown command "${command}". Run flextell --help.`);
  const config = loadConfig();
  switch (command) {
    case 'serve':
      checkFlags(args, ['demo', 'no-jobs']);
      return runServe(config, { demo: args.flags.has('demo'), jobs: !args.flags.has('no-jobs') });
    case 'worker':
      checkFlags(args, []);
      return runServe(config, { demo: false, http: false });
    case 'migrate': {
      checkFlags(args, []);
      const release = config.databaseUrl ? () => undefined : acquireDataDirLock(config.dataDir);
      const db = await openDatabase(config);
      try {
        const applied = await migrate(db, (file) => process.stdout.write(`Applied ${file}\n`));
        process.stdout.write(`Migrations up to date (${applied.length} applied).\n`);
      } finally {
        await db.close();
        release();
      }
      return;
    }
    case 'seed':
      return seedCommand(config, args);
    case 'token':
      if (subcommand === 'revoke') return tokenRevokeCommand(config, args);
      if (subcommand !== undefined) throw new UsageError(`Unknown subcommand "token ${subcommand}". Run flextell --help.`);
      return tokenCommand(config, args);
    case 'keys': {
      checkFlags(args, []);
      if (subcommand !== 'rotate') throw new UsageError('Usage: flextell keys rotate');
      const kid = await withDeps(config, (deps) => rotateSigningKey(deps.db, deps.box));
      process.stdout.write(kid + '\n');
      return;
    }
    case 'password': {
      checkFlags(args, ['email']);
      const email = stringFlag(args, 'email');
      if (!email) throw new UsageError('The flag --email is required.');
      const password = await readFirstLine();
      if ([...password].length < 8 || [...password].length > 255) throw new CommandError('The password must be 8 to 255 characters long.');
      await withDeps(config, (deps) => setPassword(deps, email, password));
      process.stdout.write('Password updated.\n');
      return;
    }
    case 'telegram':
      if (subcommand !== 'set-webhook') throw new UsageError('Usage: flextell telegram set-webhook --channel ID [--url BASE]');
      return telegramSetWebhookCommand(config, args, withDeps, (message) => new CommandError(message));
    case 'events':
      if (subcommand !== 'prune') throw new UsageError('Usage: flextell events prune --before TIMESTAMP');
      return eventsPruneCommand(config, args, withDeps);
  }
}

function fail(error: unknown): void {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const known =
    error instanceof DataDirInUseError || error instanceof DataDirAccessError || error instanceof PersonalTokenError || error instanceof CommandError;
  const message = (error as Error)?.message ?? String(error);
  process.stderr.write(`${known ? message : `Error: ${message}`}\n`);
  if (process.env.LOG_LEVEL === 'debug' && !known) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  process.exit(1);
}

run(process.argv.slice(2)).catch(fail);
