import type { AppDeps } from '../../app-deps.js';
import type { Config } from '../../config.js';
import { checkFlags, stringFlag, UsageError, type ParsedArgs } from '../../cli-args.js';
import { pruneEvents } from './event-log.repository.js';

type WithDeps = <T>(config: Config, work: (deps: AppDeps) => Promise<T>) => Promise<T>;

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `flextell events prune --before <timestamp>` (docs/events.md#retention): prunes the log as the retention job
 * would with that cut-off, so tests (and operators) can make cursors expire without waiting for the retention period.
 */
export async function eventsPruneCommand(config: Config, args: ParsedArgs, withDeps: WithDeps): Promise<void> {
  checkFlags(args, ['before']);
  const text = stringFlag(args, 'before');
  if (!text) throw new UsageError('The flag --before is required.');
  const before = new Date(text);
  if (!ISO_TIMESTAMP.test(text) || Number.isNaN(before.getTime())) {
    throw new UsageError(`--before must be an ISO 8601 timestamp with a time zone, such as 2026-11-24T18:00:00Z (got "${text}").`);
  }
  const deleted = await withDeps(config, (deps) => pruneEvents(deps.db, before));
  process.stdout.write(`Pruned ${deleted} event${deleted === 1 ? '' : 's'} written before ${before.toISOString()}.\n`);
}
