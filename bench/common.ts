import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SeedResult } from '../src/modules/demo/seed.js';

/** What bench:data prints and saves: the big tenant's seed object plus the small tenants'. */
export type BenchSeed = SeedResult & { small_tenants: SeedResult[] };

/** The repository root: the nearest directory above this file with the project's package.json (works from dist-bench/bench too). */
export function benchRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'flextell') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

export function defaultSeedFile(): string {
  return path.join(benchRoot(), 'bench', '.data', 'seed.json');
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${(seconds - minutes * 60).toFixed(0)} s`;
}

/** The last name bench:data gives three customers of the big tenant, searched by bench:list's "rare term" shape. */
export const RARE_LAST_NAME = 'Quixote';
