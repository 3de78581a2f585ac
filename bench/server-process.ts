/** Starts `node dist/cli.js serve` (or `seed`) as a child process and waits for /health. */
import net from 'node:net';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { benchRoot } from './common.js';
import type { SeedResult } from '../src/modules/demo/seed.js';

export function cliPath(): string {
  return path.join(benchRoot(), 'dist', 'cli.js');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs one CLI command to completion; resolves with its stdout, stderr passes through to ours. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath(), ...args], { cwd: benchRoot(), env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`flextell ${args.join(' ')} exited ${code}`))));
  });
}

export interface RunningServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** `serve` (with `serveArgs`, e.g. --no-jobs) on 127.0.0.1:<free port>; its log lines (stdout) and stderr go to our stderr. */
export async function startServer(env: NodeJS.ProcessEnv, nodeArgs: string[] = [], timeoutMs = 120_000, serveArgs: string[] = []): Promise<RunningServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, cliPath(), 'serve', ...serveArgs], {
    cwd: benchRoot(),
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(process.stderr, { end: false });
  child.stderr?.pipe(process.stderr, { end: false });
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = code ?? (signal ? -1 : null);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited !== undefined) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exit;
    clearTimeout(killer);
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`the server exited (${exited}) before /health answered`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server did not answer /health with 200 within ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, pid: child.pid ?? 0, stop };
}

/** `seed --json`: a new tenant with its owner's token, read from the last stdout line. */
export async function seedTenant(env: NodeJS.ProcessEnv, conversations: number, customers: number): Promise<SeedResult> {
  const output = await runCli(['seed', '--json', '--conversations', String(conversations), '--customers', String(customers)], env);
  const seed = JSON.parse(output.trim().split('\n').pop() ?? '{}') as SeedResult;
  if (!seed.access_token || !seed.tenant_id) throw new Error(`seed printed no seed object: ${output.slice(0, 200)}`);
  return seed;
}

/** `flextell worker` (job workers without HTTP, PostgreSQL only); `url` is empty. */
export function startWorker(env: NodeJS.ProcessEnv, nodeArgs: string[] = []): RunningServer {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, cliPath(), 'worker'], { cwd: benchRoot(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(process.stderr, { end: false });
  child.stderr?.pipe(process.stderr, { end: false });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  return {
    url: '',
    pid: child.pid ?? 0,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(killer);
    },
  };
}
