import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One file part of a recorded multipart body. */
export interface RecordedFile {
  filename: string;
  type: string;
  size: number;
  bytes: Buffer;
}

/** A request as the fake received it: the body parsed as JSON, multipart (files as RecordedFile) or left as text. */
export interface RecordedRequest {
  /** The fake's name for the endpoint (`whatsapp:messages`, `telegram:sendMessage` …). */
  endpoint: string;
  method: string;
  /** The path and query as received. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** The clock time of arrival (ms since the epoch). */
  at: number;
}

/** A scripted answer; anything left out falls back to the endpoint's real-format success answer. */
export interface ScriptedAnswer {
  status?: number;
  json?: unknown;
  /** A raw body instead of JSON (a proxy's HTML error page). */
  text?: string;
  headers?: Record<string, string>;
  /** Drop the connection without answering (a network error). */
  hangUp?: boolean;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
}

export interface Answer {
  status: number;
  json?: unknown;
  bytes?: Buffer;
  contentType?: string;
}

/**
 * The HTTP plumbing shared by the provider stand-ins (fake-meta.ts, fake-telegram.ts): a 127.0.0.1 server that
 * records every request and answers from a per-endpoint script queue, else with the endpoint's default answer.
 */
export abstract class FakeProvider {
  readonly requests: RecordedRequest[] = [];
  private readonly scripts = new Map<string, ScriptedAnswer[]>();
  private server: http.Server | null = null;
  url = '';

  /** Resolves a request to an endpoint name and its default answer; null → 404. */
  protected abstract route(method: string, url: URL, body: unknown): { endpoint: string; answer: () => Answer } | null;

  async start(): Promise<string> {
    this.server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => {
        response.writeHead(500, { 'content-type': 'text/plain' }).end(error.message);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Queues answers for the next calls of an endpoint, in order. */
  script(endpoint: string, ...answers: ScriptedAnswer[]): void {
    this.scripts.set(endpoint, [...(this.scripts.get(endpoint) ?? []), ...answers]);
  }

  /** Forgets recorded requests and unused scripts (between tests). */
  reset(): void {
    this.requests.length = 0;
    this.scripts.clear();
  }

  /** The recorded requests of one endpoint. */
  calls(endpoint: string): RecordedRequest[] {
    return this.requests.filter((request) => request.endpoint === endpoint);
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const raw = await readBody(request);
    const url = new URL(request.url!, 'http://fake.local');
    const body = await parseBody(raw, String(request.headers['content-type'] ?? ''));
    const route = this.route(request.method!, url, body);
    if (!route) {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Unknown path', code: 803 } }));
      return;
    }
    this.requests.push({ endpoint: route.endpoint, method: request.method!, path: request.url!, headers: request.headers, body, at: Date.now() });
    const scripted = this.scripts.get(route.endpoint)?.shift();
    if (scripted?.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
    if (scripted?.hangUp) {
      request.socket.destroy();
      return;
    }
    if (scripted && (scripted.status !== undefined || scripted.json !== undefined || scripted.text !== undefined)) {
      const headers = { 'content-type': scripted.text !== undefined ? 'text/html' : 'application/json', ...scripted.headers };
      const payload = scripted.text ?? (scripted.json === undefined ? '' : JSON.stringify(scripted.json));
      response.writeHead(scripted.status ?? 200, headers).end(payload);
      return;
    }
    const answer = route.answer();
    const headers = { 'content-type': answer.contentType ?? 'application/json', ...scripted?.headers };
    response.writeHead(answer.status, headers).end(answer.bytes ?? JSON.stringify(answer.json));
  }
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

async function parseBody(raw: Buffer, contentType: string): Promise<unknown> {
  if (raw.length === 0) return null;
  if (contentType.startsWith('application/json')) {
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      return raw.toString('utf8');
    }
  }
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
    const fields: Record<string, string | RecordedFile> = {};
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields[name] = value;
      else {
        const bytes = Buffer.from(await value.arrayBuffer());
        fields[name] = { filename: value.name, type: value.type, size: bytes.length, bytes };
      }
    }
    return fields;
  }
  return raw.toString('utf8');
}
