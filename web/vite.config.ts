import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The agent inbox (docs/inbox.md#building): static files in dist/app, served by the product at /app. Preact's
 * automatic JSX runtime through Vite's own transformer, so no framework plugin is needed.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/app/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/app', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // The polyfill would be an inline script, which the inbox's CSP forbids; every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    target: 'es2022',
  },
});
