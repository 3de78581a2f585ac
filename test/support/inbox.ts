import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { INBOX_DIST } from '../../src/modules/inbox/inbox-files.js';

/**
 * The inbox tests serve the built app from dist/app, which `npm install` / `npm ci` builds (the prepare script).
 * In a checkout where it is missing it is built once here (about a second), so no test depends on a manual step.
 */
export function ensureInboxBuilt(): void {
  if (fs.existsSync(path.join(INBOX_DIST, 'index.html'))) return;
  const root = path.resolve(INBOX_DIST, '../..');
  execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts'], { cwd: root, stdio: 'pipe' });
}

/** The names of the built assets (hashed), by extension. */
export function builtAssets(): { js: string[]; css: string[] } {
  const names = fs.readdirSync(path.join(INBOX_DIST, 'assets'));
  return { js: names.filter((name) => name.endsWith('.js')), css: names.filter((name) => name.endsWith('.css')) };
}
