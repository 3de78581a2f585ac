/** The flags bench:list and bench:messages share (what to run, how hard, whether to write it down) and the load tool they pick. */
import { parseFlags, positiveInteger, UsageError, type FlagConfig } from './common.js';
import { autocannonTool, wrkInstalled, wrkTool, type LoadTool } from './load-tool.js';

const LOAD_RUN_FLAGS = {
  shapes: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  connections: { type: 'string' },
  tool: { type: 'string', default: 'auto' },
  threads: { type: 'string' },
  'quiet-wait': { type: 'string' },
  'no-write': { type: 'boolean', default: false },
  note: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

// Kept next to the defaults of readLoadRunFlags; each script places the two blocks among its own flags.
export const LOAD_FLAGS_USAGE = `  --duration SECONDS   measured run per shape (10)
  --warmup SECONDS     warm-up per shape, not measured (3)
  --connections N      concurrent connections (50)
  --tool NAME          auto (wrk when installed), wrk or autocannon
  --threads N          wrk threads (2)`;

export const RUN_FLAGS_USAGE = `  --quiet-wait SECONDS before each shape, wait up to this long for the machine to be mostly idle (60; 0 = never)
  --no-write           do not append to bench/RESULTS.md
  --note TEXT          a note for the RESULTS.md section`;

interface LoadRunFlagValues {
  shapes?: string;
  duration?: string;
  warmup?: string;
  connections?: string;
  tool?: string;
  threads?: string;
  'quiet-wait'?: string;
  'no-write'?: boolean;
  note?: string;
  help?: boolean;
}

export interface LoadRunFlags<S> {
  help: boolean;
  shapes: S[];
  duration: number;
  warmup: number;
  connections: number;
  tool: 'auto' | 'wrk' | 'autocannon';
  threads: number;
  quietWait: number;
  write: boolean;
  note: string | null;
}

/** Parses the shared flags and the script's own (`ownFlags`), whose values come back as `values`. */
export function readLoadRunFlags<S extends { id: number }, const T extends FlagConfig>(argv: string[], shapes: S[], ownFlags: T) {
  const values = parseFlags(argv, { ...LOAD_RUN_FLAGS, ...ownFlags });
  return { flags: sharedFlags(values, shapes), values };
}

function sharedFlags<S extends { id: number }>(values: LoadRunFlagValues, shapes: S[]): LoadRunFlags<S> {
  const shapeIds = values.shapes
    ? values.shapes.split(',').map((text) => {
        const id = Number(text.trim());
        if (!shapes.some((shape) => shape.id === id)) throw new UsageError(`Unknown shape "${text}" (1–${shapes.length}).`);
        return id;
      })
    : shapes.map((shape) => shape.id);
  if (!['auto', 'wrk', 'autocannon'].includes(values.tool ?? 'auto')) throw new UsageError('--tool must be auto, wrk or autocannon.');
  const warmup = values.warmup === '0' ? 0 : positiveInteger(values.warmup, 'warmup', 3);
  return {
    help: values.help ?? false,
    shapes: shapes.filter((shape) => shapeIds.includes(shape.id)),
    duration: positiveInteger(values.duration, 'duration', 10),
    warmup,
    connections: positiveInteger(values.connections, 'connections', 50),
    tool: values.tool as 'auto' | 'wrk' | 'autocannon',
    threads: positiveInteger(values.threads, 'threads', 2),
    quietWait: values['quiet-wait'] === '0' ? 0 : positiveInteger(values['quiet-wait'], 'quiet-wait', 60),
    write: !(values['no-write'] ?? false),
    note: values.note ?? null,
  };
}

export async function chooseLoadTool(flags: Pick<LoadRunFlags<unknown>, 'tool' | 'threads'>): Promise<LoadTool> {
  const useWrk = flags.tool === 'wrk' || (flags.tool === 'auto' && wrkInstalled());
  if (flags.tool === 'wrk' && !wrkInstalled()) throw new UsageError('--tool wrk: wrk is not installed.');
  return useWrk ? wrkTool(flags.threads) : await autocannonTool();
}
