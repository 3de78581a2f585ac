import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitForLockSync } from 'fs-native-extensions';
import { expect } from 'vitest';
import { httpCall } from './http-call.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(ROOT, 'dist/cli.js');

function newestSourceChange(root: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Builds `outputs` from `sources` unless the stamp in `stampFile` names the sources' newest change already. Test files
 * run in parallel, and a build rewriting its output under a running process (or another file's browser) can hand it
 * half-written files: builds take a file lock, and what is built from the current sources is not built again.
 */
export function buildOnce(name: string, sources: string, stampFile: string, build: () => void): void {
  const lockName = `flextell-${name}-${crypto.createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`;
  const lock = fs.openSync(path.join(os.tmpdir(), lockName), 'a');
  try {
    waitForLockSync(lock);
    const newest = String(newestSourceChange(sources));
    const stamp = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8') : '';
    if (stamp === newest) return;
    build();
    fs.writeFileSync(stampFile, newest);
  } finally {
    fs.closeSync(lock);
  }
}

/** Tests of real processes run the built CLI (dist/), built from the current src/. */
export function buildCli(): void {
  buildOnce('build', path.join(ROOT, 'src'), path.join(ROOT, 'dist', '.build-stamp'), () =>
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' }),
  );
}

export interface RunningServer {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts `flextell serve` and resolves once its "listening" log line names the URL (and, with --demo, the banner is out). */
export function startServe(env: Record<string, string>, args: string[] = []): Promise<RunningServer> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env } });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)","msg":"listening"/.exec(output);
      if (match && (!args.includes('--demo') || output.includes('Try it:'))) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${output}`));
    });
  });
}

/** Starts `flextell worker` (job workers only, no HTTP) and resolves once it logs that its workers started. */
export function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'worker'], { env: { ...process.env, LOG_LEVEL: 'info', ...env } });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"msg":"worker started"')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code}:\n${output}`));
    });
  });
}

/** SIGTERM to each process, one after the other, waiting until each is gone. */
export async function stopProcesses(children: Array<ChildProcess | undefined>): Promise<void> {
  for (const child of children) {
    if (!child) continue;
    const exit = exited(child);
    child.kill('SIGTERM');
    await exit;
  }
}

/** What `flextell seed --json` prints that the process tests use. */
export interface SeededTenant {
  tenant_id: number;
  access_token: string;
  channels: Record<string, number>;
}

/** Calls `/api/v1<path>` of a running server as the seed's Owner and expects a success; resolves to the JSON body. */
export function seedOwnerApi(seed: SeededTenant): (server: RunningServer, method: string, path: string, body?: unknown) => Promise<any> {
  return async (server, method, path, body) => {
    const response = await httpCall(server.url, method, `/api/v1${path}`, {
      token: seed.access_token,
      headers: { 'x-tenant': String(seed.tenant_id) },
      ...(body === undefined ? {} : { body }),
    });
    expect(response.status, `${method} ${path}: ${response.body}`).toBeLessThan(300);
    return response.json;
  };
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** SIGKILL, as a crash would, and wait until the process is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  const gone = exited(child);
  child.kill('SIGKILL');
  await gone;
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Runs the built CLI to the end (warnings only) and returns its last line of output; a failure throws with its stderr. */
export function cliLastLine(args: string[], env: Record<string, string>): string {
  const result = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`flextell ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout.trim().split('\n').pop()!;
}
