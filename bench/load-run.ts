/**
 * How bench:list and bench:messages load a shape: the waits that keep one shape's leftovers out of the next, the
 * warm-up, and the measured run with its CPU sample.
 */
import os from 'node:os';
import type { Log } from './common.js';
import { machineBusyPercent, type CpuSampler, type CpuUsage } from './cpu-sampler.js';
import type { LoadRunFlags } from './load-flags.js';
import type { BenchRequest, LoadTool, Measurement } from './load-tool.js';
import { notMeasured, cpuText, type ShapeBase, type ShapeResult } from './shape-results.js';

/** `distinct`: send each request at most once (bench:ingest; see LoadOptions). */
type RunSettings = Pick<LoadRunFlags<unknown>, 'duration' | 'warmup' | 'connections'> & { distinct?: boolean; rate?: number };

/**
 * Requests still in flight (or queued for a pool connection) when the tool disconnects keep the server busy; wait
 * until /health, which queues behind them for a connection, answers quickly again before the next shape.
 */
export async function waitUntilIdle(baseUrl: string, log: Log, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const started = performance.now();
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(10_000) });
      await response.arrayBuffer();
      if (performance.now() - started < 100) return;
    } catch {
      // still busy
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  log(`the server at ${baseUrl} is still busy after ${timeoutMs / 1000} s`);
}

/** On a shared machine, wait (up to --quiet-wait seconds) until other work leaves the cores mostly idle. */
export async function waitForQuietMachine(seconds: number, log: Log): Promise<void> {
  if (seconds <= 0) return;
  const deadline = Date.now() + seconds * 1000;
  let busy = await machineBusyPercent(2000);
  if (busy === null || busy < 30) return;
  log(`the machine is ${busy.toFixed(0)}% busy before the shape; waiting up to ${seconds} s for it to calm down`);
  while (busy !== null && busy >= 30 && Date.now() < deadline) busy = await machineBusyPercent(2000);
  if (busy !== null && busy >= 30) log(`still ${busy.toFixed(0)}% busy; measuring anyway (see the "other" CPU column)`);
}

/** A shape that throws is reported as failed instead of ending the run; either way the next shape finds the server idle. */
export async function measureOrFail<S extends ShapeBase, R extends ShapeResult<S>>(
  shape: S,
  baseUrl: string,
  log: Log,
  measure: () => Promise<R>,
): Promise<R | ShapeResult<S>> {
  try {
    return await measure();
  } catch (error) {
    const failure = `failed: ${(error as Error).message}`;
    log(`shape ${shape.id} (${shape.label}) ${failure}`);
    return notMeasured(shape, failure);
  } finally {
    await waitUntilIdle(baseUrl, log);
  }
}

export function failedPrecheck<S extends ShapeBase>(shape: S, check: string, log: Log): ShapeResult<S> {
  log(`shape ${shape.id} (${shape.label}) pre-check failed: ${check}`);
  return notMeasured(shape, check);
}

export async function warmUp(tool: LoadTool, settings: RunSettings, shape: ShapeBase, baseUrl: string, requests: BenchRequest[], log: Log): Promise<void> {
  if (settings.warmup <= 0) return;
  log(`shape ${shape.id} (${shape.label}): warm-up ${settings.warmup} s`);
  await tool.run({ baseUrl, requests, durationSeconds: settings.warmup, connections: settings.connections });
  await waitUntilIdle(baseUrl, log);
}

export interface MeasuredRun {
  measurement: Measurement;
  cpu: CpuUsage | null;
  /** 1-minute load average just before the run. */
  loadBefore: number;
  tooSlow: boolean;
  tailTruncated: boolean;
}

/** The measured run; `beforeSample` runs after the load average is read and before the CPU sampler looks for backends. */
export async function measuredRun(
  tool: LoadTool,
  settings: RunSettings,
  shape: ShapeBase,
  baseUrl: string,
  requests: BenchRequest[],
  sampler: CpuSampler | null,
  log: Log,
  beforeSample?: () => Promise<void>,
): Promise<MeasuredRun> {
  log(`shape ${shape.id} (${shape.label}): ${settings.duration} s at ${settings.connections} connections`);
  const loadBefore = os.loadavg()[0]!;
  await beforeSample?.();
  await sampler?.refreshBackends();
  const before = sampler?.snapshot();
  const measurement = await tool.run({
    baseUrl,
    requests,
    durationSeconds: settings.duration,
    connections: settings.connections,
    distinct: settings.distinct,
    ...(settings.rate === undefined ? {} : { rate: settings.rate }),
  });
  const cpu = sampler && before ? sampler.usage(before, sampler.snapshot(), measurement.requests) : null;
  if (measurement.requests === 0) {
    measurement.errors += settings.connections;
    measurement.errorDetail = [measurement.errorDetail, `no response within ${settings.duration} s`].filter(Boolean).join('; ');
  }
  // wrk and autocannon only count finished requests: with responses this slow most of the load never finished.
  const tooSlow = measurement.requests < 2 * settings.connections;
  const tailTruncated = measurement.p99Ms >= (settings.duration * 1000) / 2;
  return { measurement, cpu, loadBefore, tooSlow, tailTruncated };
}

/** Logs the run and makes the shape's result; `logOnly` (bench:messages' delivery backlog) has a table column of its own. */
export function measuredResult<S extends ShapeBase>(shape: S, run: MeasuredRun, check: string, log: Log, logOnly = ''): ShapeResult<S> {
  const { measurement, cpu, loadBefore, tooSlow, tailTruncated } = run;
  log(
    `  ${Math.round(measurement.rps)} req/s, p50 ${measurement.p50Ms.toFixed(1)} ms, p99 ${measurement.p99Ms.toFixed(1)} ms, ` +
      `${measurement.errors} errors${measurement.errorDetail ? ` (${measurement.errorDetail})` : ''}; ${check}${logOnly ? `; ${logOnly}` : ''}; ` +
      `load average before ${loadBefore.toFixed(2)}${cpu ? `; CPU ${cpuText(cpu)}` : ''}`,
  );
  return { shape, measurement, check: `${check}; load ${loadBefore.toFixed(2)}`, failure: null, cpu, tooSlow, tailTruncated };
}
