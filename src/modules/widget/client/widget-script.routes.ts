import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../../app-deps.js';
import { publicBaseUrl } from '../../../http/request-info.js';
import { escapeHtml } from '../../oauth/server/pages/html.js';

/**
 * The widget script and its demo page (docs/widget-client.md). The script is plain JavaScript that tsc does not
 * compile: it is read from src/ (the same path from src/ and dist/) once, and served from memory, gzipped when the
 * browser accepts it.
 */
export const WIDGET_SCRIPT_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../src/modules/widget/client/widget.js');

interface ScriptVariants {
  plain: Buffer;
  gzip: Buffer;
  etag: string;
}

let cached: ScriptVariants | null = null;

export function widgetScript(): ScriptVariants {
  if (!cached) {
    const plain = fs.readFileSync(WIDGET_SCRIPT_PATH);
    const gzip = zlib.gzipSync(plain, { level: 9 });
    cached = { plain, gzip, etag: `"${crypto.createHash('sha256').update(plain).digest('base64url').slice(0, 27)}"` };
  }
  return cached;
}

const DEMO_STYLE =
  'body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:32px 16px;background:#f4f5f7;color:#1f2328}' +
  'main{max-width:640px;margin:0 auto}code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9rem}' +
  'pre{white-space:pre-wrap;word-break:break-all;background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px}';
const DEMO_STYLE_HASH = `'sha256-${crypto.createHash('sha256').update(DEMO_STYLE).digest('base64')}'`;
/** The demo page runs no inline script and loads only /widget.js, which talks to this origin. */
const DEMO_CSP = `default-src 'none'; script-src 'self'; connect-src 'self'; style-src ${DEMO_STYLE_HASH}; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
const MAX_KEY_LENGTH = 255;

function sendScript(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const script = widgetScript();
  reply
    .header('Content-Type', 'application/javascript; charset=utf-8')
    .header('Cache-Control', 'public, max-age=300')
    .header('Access-Control-Allow-Origin', '*')
    .header('Cross-Origin-Resource-Policy', 'cross-origin')
    .header('X-Content-Type-Options', 'nosniff')
    .header('ETag', script.etag)
    .header('Vary', 'Accept-Encoding');
  const known = String(request.headers['if-none-match'] ?? '')
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''));
  if (known.includes(script.etag)) return reply.code(304).send();
  const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (acceptsGzip) reply.header('Content-Encoding', 'gzip');
  return reply.code(200).send(acceptsGzip ? script.gzip : script.plain);
}

function sendDemo(request: FastifyRequest<{ Querystring: Record<string, unknown> }>, reply: FastifyReply, deps: AppDeps): FastifyReply {
  const key = request.query.key;
  reply
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .header('Content-Security-Policy', DEMO_CSP)
    .header('X-Frame-Options', 'DENY')
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer');
  if (typeof key !== 'string' || key === '' || key.length > MAX_KEY_LENGTH) {
    return reply.code(400).send(demoPage('<p>Add the widget key of a website channel: <code>/widget/demo?key=&lt;widget_key&gt;</code>.</p>'));
  }
  const snippet = `<script src="${publicBaseUrl(request, deps.config)}/widget.js" data-key="${key}" async></script>`;
  return reply
    .code(200)
    .send(
      demoPage(
        `<p>This page embeds the chat widget exactly as a website would. Open it with the button in the corner.</p>` +
          `<p>The line to paste into a page:</p><pre><code>${escapeHtml(snippet)}</code></pre>` +
          `<script src="/widget.js" data-key="${escapeHtml(key)}" async></script>`,
      ),
    );
}

function demoPage(body: string): string {
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>Chat widget demo</title><style>${DEMO_STYLE}</style></head><body><main><h1>Chat widget demo</h1>${body}</main></body></html>`
  );
}

/** Public and unauthenticated, outside /api: the script any site may load, and the page that shows it working. */
export async function widgetScriptRoutes(scope: FastifyInstance, deps: AppDeps): Promise<void> {
  scope.get('/widget.js', { schema: { hide: true } }, sendScript);
  scope.get<{ Querystring: Record<string, unknown> }>('/widget/demo', { schema: { hide: true } }, (request, reply) => sendDemo(request, reply, deps));
}
