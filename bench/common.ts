import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { SeedResult } from '../src/modules/demo/seed.js';

/** What bench:data prints and saves: the big tenant's seed object plus the small tenants'. */
export type BenchSeed = SeedResult & { small_tenants: SeedResult[] };

/** The repository root: the nearest directory above this file with the project's package.json (works from dist-bench/bench too). */
export function benchRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'flextell') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

export function defaultSeedFile(): string {
  return path.join(benchRoot(), 'bench', '.data', 'seed.json');
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${(seconds - minutes * 60).toFixed(0)} s`;
}

/** en-US grouping with a fixed number of decimals: the number format of every RESULTS.md table. */
export const formatNumber = (value: number, digits: number) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** ISO 8601 to the second: RESULTS.md section titles and file times are read by people, milliseconds are noise. */
export const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z');

/** The last name bench:data gives three customers of the big tenant, searched by bench:list's "rare term" shape. */
export const RARE_LAST_NAME = 'Quixote';

export const tenantHeaders = (seed: SeedResult) => ({ Authorization: `Bearer ${seed.access_token}`, 'X-Tenant': String(seed.tenant_id) });

export type Log = (line: string) => void;

/** Progress goes to stderr, so that stdout stays the result (the table, or bench:data's seed object). */
export const scriptLog =
  (script: string): Log =>
  (line) =>
    process.stderr.write(`[${script}] ${line}\n`);

/** A mistake in the command line or environment: the script exits 2 with the message alone. */
export class UsageError extends Error {}

export type FlagConfig = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with unknown flags and missing values reported as usage errors. */
export function parseFlags<const T extends FlagConfig>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, strict: true, options }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `requirement` words the error: bench:list and bench:messages say "a positive integer", bench:data "an integer ≥ N". */
export function integerOption(value: string | undefined, name: string, fallback: number, min: number, requirement = `an integer ≥ ${min}`): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${name} must be ${requirement} (got "${value}").`);
  }
  return Number(value);
}

export const positiveInteger = (value: string | undefined, name: string, fallback: number) => integerOption(value, name, fallback, 1, 'a positive integer');

interface Script<O> {
  name: string;
  usage: string;
  readOptions: (argv: string[]) => O;
  main: (options: O) => Promise<void>;
  /** Errors printed without the "<name> failed: " prefix. */
  explainsItself?: (error: unknown) => boolean;
}

/**
 * --help prints the usage; a usage error exits 2 with its message, any other error exits 1 as "<name> failed: …"
 * (with the stack when LOG_LEVEL=debug).
 */
export function runScript<O extends { help: boolean }>({ name, usage, readOptions, main, explainsItself = () => false }: Script<O>): void {
  const run = async () => {
    const options = readOptions(process.argv.slice(2));
    if (options.help) process.stdout.write(usage);
    else await main(options);
  };
  run().catch((error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${explainsItself(error) ? '' : `${name} failed: `}${(error as Error)?.message ?? String(error)}\n`);
    if (process.env.LOG_LEVEL === 'debug') process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    process.exit(1);
  });
}
