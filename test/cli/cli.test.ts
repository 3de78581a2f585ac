import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, CLI, exited, startServe } from '../support/processes.js';

const directories: string[] = [];

function dataDir(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'flextell-cli-'));
  directories.push(directory);
  return directory;
}

function run(args: string[], env: Record<string, string> = {}, input?: string) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    input,
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, lastLine: result.stdout.trim().split('\n').pop() ?? '' };
}

beforeAll(() => buildCli(), 120_000);

afterAll(() => {
  for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
});

describe('flextell CLI', () => {
  it('prints usage: --help exits 0, no command exits 2 on stderr, unknown command and flags exit 2', () => {
    expect(run(['--help']).status).toBe(0);
    expect(run(['--help']).stdout).toContain('Usage: flextell');
    const bare = run([]);
    expect(bare.status).toBe(2);
    expect(bare.stderr).toContain('Usage: flextell');
    expect(run(['frobnicate']).status).toBe(2);
    const badFlag = run(['seed', '--bogus', '1']);
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr.trim().split('\n')).toHaveLength(1);
    expect(run(['seed', '--conversations', 'abc']).status).toBe(2);
    expect(run(['seed', '--conversations', '-1']).status).toBe(2);
  });

  it('reports every bad configuration value and exits 1', () => {
    const result = run(['migrate'], { PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration: PORT must be an integer from 0 to 65535 (got "abc").');
    expect(result.stderr).toContain('Invalid configuration: LOG_LEVEL must be one of');
  });

  it('migrates, seeds with --json (last line), mints tokens, and refuses bad token requests', () => {
    const env = { FLEXTELL_DATA_DIR: dataDir() };
    const migrated = run(['migrate'], env);
    expect(migrated.status).toBe(0);
    expect(migrated.lastLine).toMatch(/^Migrations up to date \(\d+ applied\)\.$/);
    expect(run(['migrate'], env).lastLine).toBe('Migrations up to date (0 applied).');

    const first = JSON.parse(run(['seed', '--json', '--conversations', '8'], env).lastLine);
    expect(Object.keys(first)).toEqual([
      'tenant_id',
      'user_id',
      'email',
      'password',
      'access_token',
      'refresh_token',
      'client_id',
      'client_secret',
      'channels',
    ]);
    expect(Object.keys(first.channels)).toEqual(['whatsapp', 'instagram', 'website', 'telegram']);
    expect(first.refresh_token).toBeNull();
    expect(first.password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(first.client_secret).toHaveLength(40);
    expect(first.email).toMatch(new RegExp(`^owner\\.${first.tenant_id}\\.[a-z0-9]{6}@demo\\.flextell\\.test$`));
    const second = JSON.parse(run(['seed', '--json', '--conversations', '0'], env).lastLine);
    expect(second.tenant_id).not.toBe(first.tenant_id);
    expect(second.client_id).not.toBe(first.client_id);

    const token = run(['token', '--email', first.email, '--tenant', String(first.tenant_id), '--scopes', 'conversations:read'], env);
    expect(token.status).toBe(0);
    const payload = JSON.parse(Buffer.from(token.lastLine.split('.')[1]!, 'base64url').toString());
    expect(payload.tenant).toBe(first.tenant_id);
    expect(payload.scope).toBe('conversations:read');
    expect(payload.exp - payload.iat).toBe(2_592_000);

    expect(run(['token', '--email', 'nobody@example.test'], env).status).toBe(1);
    expect(run(['token', '--email', first.email, '--tenant', String(second.tenant_id)], env).status).toBe(1);
    expect(run(['token', '--email', first.email, '--scopes', 'everything'], env).status).toBe(2);
    expect(run(['token', '--email', first.email, '--expires-in', '59'], env).status).toBe(2);
  });

  it('token revoke ends one token by jti or every token of an account, password ends them too; the server refuses them', async () => {
    const env = { FLEXTELL_DATA_DIR: dataDir() };
    const seed = JSON.parse(run(['seed', '--json'], env).lastLine);
    const mint = () => run(['token', '--email', seed.email], env).lastLine;
    const jtiOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti as string;

    const [byJti, kept] = [mint(), mint()];
    const revoked = run(['token', 'revoke', '--jti', jtiOf(byJti)], env);
    expect(revoked.status).toBe(0);
    expect(revoked.lastLine).toBe(`Revoked the access token ${jtiOf(byJti)}.`);
    expect(run(['token', 'revoke', '--jti', jtiOf(byJti)], env).status).toBe(0);
    for (const args of [[], ['--jti', jtiOf(kept), '--email', seed.email], ['--jti', 'abc'], ['--tenant', '1']]) {
      const usage = run(['token', 'revoke', ...args], env);
      expect(usage.status, args.join(' ')).toBe(2);
      expect(usage.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(run(['token', 'frobnicate'], env).status).toBe(2);
    const unknown = run(['token', 'revoke', '--jti', 'f'.repeat(64)], env);
    expect([unknown.status, unknown.stderr.trim()]).toEqual([1, `No unexpired access token has the jti ${'f'.repeat(64)}.`]);
    expect(run(['token', 'revoke', '--email', 'nobody@example.test'], env).status).toBe(1);

    // The seed's token and `kept` were live; `byJti` was revoked already.
    expect(run(['token', 'revoke', '--email', seed.email.toUpperCase()], env).lastLine).toBe(
      `Revoked 2 access tokens and every refresh token of ${seed.email.toUpperCase()}.`,
    );
    const beforePassword = mint();
    expect(run(['password', '--email', seed.email], env, 'a brand new password\n').lastLine).toBe('Password updated.');
    const afterPassword = mint();

    const server = await startServe(env);
    try {
      const status = async (token: string) => (await fetch(`${server.url}/api/v1/account/tenants`, { headers: { authorization: `Bearer ${token}` } })).status;
      expect(await status(afterPassword)).toBe(200);
      for (const token of [byJti, kept, seed.access_token, beforePassword]) expect(await status(token)).toBe(401);
    } finally {
      const exit = exited(server.child);
      server.child.kill('SIGTERM');
      expect(await exit).toBe(0);
    }
  });

  it('serves the seeded tenant, holds the data-dir lock, and shuts down cleanly on SIGTERM', async () => {
    const env = { FLEXTELL_DATA_DIR: dataDir() };
    const seed = JSON.parse(run(['seed', '--json', '--conversations', '20'], env).lastLine);
    const server = await startServe(env);
    const locked = run(['migrate'], env);
    expect(locked.status).toBe(1);
    expect(locked.stderr.trim()).toBe(
      `The data directory ${env.FLEXTELL_DATA_DIR} is in use by process ${server.child.pid}. Stop it first, or use DATABASE_URL for several processes.`,
    );
    const response = await fetch(`${server.url}/api/v1/conversations`, {
      headers: { authorization: `Bearer ${seed.access_token}`, 'x-tenant': String(seed.tenant_id) },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { meta: { total: number } };
    expect(body.meta.total).toBe(20);
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok' });

    const exit = exited(server.child);
    server.child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(fs.existsSync(path.join(env.FLEXTELL_DATA_DIR, 'flextell.lock'))).toBe(false);
  });

  it('serve --demo seeds on first start and prints a banner whose curl line works; a killed lock is taken over', async () => {
    const env = { FLEXTELL_DATA_DIR: dataDir() };
    const first = await startServe(env, ['--demo']);
    const banner = first.output();
    const tenant = /X-Tenant: (\d+)/.exec(banner)![1]!;
    const token = /Bearer token \(valid 30 days\):\n {4}(\S+)/.exec(banner)![1]!;
    expect(banner).toMatch(/Flextell is running at http:\/\/127\.0\.0\.1:\d+/);
    expect(banner).toContain(`-H "X-Tenant: ${tenant}"`);
    // The inbox's address, and the bare origin leading there (docs/inbox.md#serving).
    expect(banner).toMatch(/Inbox: +http:\/\/127\.0\.0\.1:\d+\/app\//);
    const root = await fetch(`${first.url}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/app/']);
    const response = await fetch(`${first.url}/api/v1/conversations`, { headers: { authorization: `Bearer ${token}`, 'x-tenant': tenant } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { meta: { total: number } }).meta.total).toBe(20);
    expect(fs.statSync(path.join(env.FLEXTELL_DATA_DIR, 'demo.json')).mode & 0o777).toBe(0o600);

    const killed = exited(first.child);
    first.child.kill('SIGKILL');
    await killed;
    const second = await startServe(env, ['--demo']);
    // The second start reads demo.json instead of seeding again.
    expect(second.output()).toContain(`X-Tenant: ${tenant}`);
    const exit = exited(second.child);
    second.child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const tenants = run(['seed', '--json', '--conversations', '0'], env);
    const count = JSON.parse(tenants.lastLine).tenant_id;
    expect(count).toBeGreaterThan(Number(tenant));
  });
});
