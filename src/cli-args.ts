/** Usage errors exit 2 with one line on stderr (README.md#the-flextell-cli). */
export class UsageError extends Error {}

export interface ParsedArgs {
  command: string[];
  flags: Map<string, string | true>;
}

/** `--name value`, `--name=value` and boolean `--name`; `booleanFlags` never take a value. */
export function parseArgs(argv: string[], booleanFlags: ReadonlySet<string>): ParsedArgs {
  const command: string[] = [];
  const flags = new Map<string, string | true>();
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (!argument.startsWith('--')) {
      command.push(argument);
      continue;
    }
    const [name, inline] = argument.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (booleanFlags.has(name)) {
      if (inline !== undefined) throw new UsageError(`The flag --${name} takes no value.`);
      flags.set(name, true);
      continue;
    }
    const value = inline ?? argv[++index];
    if (value === undefined) throw new UsageError(`The flag --${name} needs a value.`);
    flags.set(name, value);
  }
  return { command, flags };
}

export function checkFlags(args: ParsedArgs, allowed: string[]): void {
  for (const name of args.flags.keys()) {
    if (!allowed.includes(name)) throw new UsageError(`Unknown flag --${name}.`);
  }
}

export function integerFlag(args: ParsedArgs, name: string, fallback: number, min: number, max: number): number {
  const value = args.flags.get(name);
  if (value === undefined) return fallback;
  if (value === true || !/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got "${value === true ? '' : value}").`);
  }
  return Number(value);
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return value === true ? undefined : value;
}
