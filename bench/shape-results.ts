/** A shape's result, its verdict against the target, and how bench:list and bench:messages publish a run's results. */
import fs from 'node:fs';
import path from 'node:path';
import { benchRoot, formatNumber, type Log } from './common.js';
import type { CpuUsage } from './cpu-sampler.js';
import type { Measurement } from './load-tool.js';

export interface Target {
  minRps: number | null;
  maxP99Ms: number | null;
}

export interface ShapeBase {
  id: number;
  label: string;
  /** null: reported, no target. */
  target: Target | null;
}

export interface ShapeResult<S extends ShapeBase = ShapeBase> {
  shape: S;
  measurement: Measurement | null;
  check: string;
  failure: string | null;
  cpu: CpuUsage | null;
  /** Fewer than two responses per connection: most of the offered load never finished, the numbers mean nothing. */
  tooSlow?: boolean;
  /** p99 over half the run: the slowest requests had no time to finish, so p99 is a lower bound. */
  tailTruncated?: boolean;
}

export function notMeasured<S extends ShapeBase>(shape: S, reason: string): ShapeResult<S> {
  return { shape, measurement: null, check: reason, failure: reason, cpu: null };
}

const postgresCpuText = (cpu: CpuUsage) => (cpu.postgresMsPerRequest === null ? 'in-process' : cpu.postgresMsPerRequest.toFixed(2));

export function cpuText(cpu: CpuUsage): string {
  return `server ${cpu.serverMsPerRequest.toFixed(2)} / PG ${postgresCpuText(cpu)} ms per request, machine ${cpu.machineBusyPercent.toFixed(0)}% busy (other ${cpu.otherPercent.toFixed(0)}%)`;
}

export function verdict(result: ShapeResult): string {
  const { measurement, shape } = result;
  if (!measurement) return 'not run';
  if (measurement.errors > 0) return 'INVALID (errors)';
  if (result.tooSlow) return 'INVALID (too slow to measure: most requests unfinished)';
  if (!shape.target) return 'reported';
  const rpsOk = shape.target.minRps === null || measurement.rps >= shape.target.minRps;
  const p99Ok = shape.target.maxP99Ms === null || measurement.p99Ms <= shape.target.maxP99Ms;
  const tail = result.tailTruncated ? '; p99 is a lower bound (tail longer than half the run)' : '';
  if (rpsOk && p99Ok) return `met${tail}`;
  return `missed (${[rpsOk ? '' : 'req/s', p99Ok ? '' : 'p99'].filter(Boolean).join(', ')})${tail}`;
}

export function targetText(shape: ShapeBase): string {
  if (!shape.target) return 'none';
  return [
    shape.target.minRps === null ? '' : `≥ ${formatNumber(shape.target.minRps, 0)} req/s`,
    shape.target.maxP99Ms === null ? '' : `p99 ≤ ${shape.target.maxP99Ms} ms`,
  ]
    .filter(Boolean)
    .join(', ');
}

/** The last column is the script's own: bench:messages adds the delivery backlog of its send shapes to the response check. */
export function resultsTable<R extends ShapeResult>(results: R[], checkColumn: string, checkText: (result: R) => string): string {
  const lines = [
    `| # | shape | req/s | p50 ms | p99 ms | errors | requests | target | result | CPU ms/request: server / PG | machine busy (other) | ${checkColumn} |`,
    '|---|---|---:|---:|---:|---:|---:|---|---|---|---|---|',
  ];
  for (const result of results) {
    const m = result.measurement;
    lines.push(
      `| ${result.shape.id} | ${result.shape.label} | ${m ? formatNumber(m.rps, 0) : '–'} | ${m ? formatNumber(m.p50Ms, 1) : '–'} | ${m ? formatNumber(m.p99Ms, 1) : '–'} | ` +
        `${m ? `${m.errors}${m.errorDetail ? ` (${m.errorDetail})` : ''}` : '–'} | ${m ? formatNumber(m.requests, 0) : '–'} | ${targetText(result.shape)} | ` +
        `${verdict(result)} | ${result.cpu ? `${result.cpu.serverMsPerRequest.toFixed(2)} / ${postgresCpuText(result.cpu)}` : '–'} | ` +
        `${result.cpu ? `${result.cpu.machineBusyPercent.toFixed(0)}% (${result.cpu.otherPercent.toFixed(0)}%)` : '–'} | ` +
        `${checkText(result).replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`,
    );
  }
  return lines.join('\n');
}

/** A run with a shape not measured, with errors or too slow to measure is no result: exit code 1. */
function flagInvalidRun(results: ShapeResult[], log: Log): void {
  if (results.some((result) => !result.measurement || result.measurement.errors > 0 || result.tooSlow)) {
    log('the run had errors: it is not a valid result');
    process.exitCode = 1;
  }
}

function appendToResults(section: string, headerOfNewFile: string, log: Log): void {
  const file = path.join(benchRoot(), 'bench', 'RESULTS.md');
  if (!fs.existsSync(file)) fs.writeFileSync(file, headerOfNewFile);
  fs.appendFileSync(file, section);
  log(`appended to ${path.relative(benchRoot(), file)}`);
}

/** Prints a script's own section (bench:widget, bench:events, bench:agent) and appends it to RESULTS.md. */
export function publishSection(section: string, log: Log): void {
  process.stdout.write(`${section}\n`);
  appendToResults(`\n${section}`, '# Benchmark results\n', log);
}

export interface ResultsReport<R> {
  table: (results: R[]) => string;
  /** Starts RESULTS.md when this run is the first to write one: each script's header describes that script. */
  headerOfNewFile: string;
}

/**
 * Prints the results table, appends it to RESULTS.md as a new section under the lines of `sectionHead` (title and
 * description; null with --no-write) and makes an invalid run exit with code 1.
 */
export async function publishResults<R extends ShapeResult>(
  results: R[],
  report: ResultsReport<R>,
  log: Log,
  sectionHead: (() => Promise<string[]>) | null,
): Promise<void> {
  results.sort((a, b) => a.shape.id - b.shape.id);
  const rendered = report.table(results);
  process.stdout.write(rendered + '\n');
  if (sectionHead) appendToResults(['', ...(await sectionHead()), '', rendered, ''].join('\n'), report.headerOfNewFile, log);
  flagInvalidRun(results, log);
}
