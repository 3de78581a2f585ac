import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { INBOX_DIST } from '../../src/modules/inbox/inbox-files.js';
import { buildOnce, ROOT } from './processes.js';

/**
 * The inbox tests serve the built app from dist/app, which `npm install` / `npm ci` builds (the prepare script). It is
 * built again here when web/ changed since (about a second), so no test serves an app older than its sources.
 */
export function ensureInboxBuilt(): void {
  const build = () =>
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts'], { cwd: ROOT, stdio: 'pipe' });
  buildOnce('inbox', path.join(ROOT, 'web'), path.join(ROOT, 'dist', '.inbox-build-stamp'), build);
}

/** The names of the built assets (hashed), by extension. */
export function builtAssets(): { js: string[]; css: string[] } {
  const names = fs.readdirSync(path.join(INBOX_DIST, 'assets'));
  return { js: names.filter((name) => name.endsWith('.js')), css: names.filter((name) => name.endsWith('.css')) };
}
