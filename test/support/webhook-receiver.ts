import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A webhook receiver on 127.0.0.1 for the outbound webhook suites (docs/webhooks.md): it records every request with
 * its raw body and answers from a script, one answer per request, then the default (200). An answer can hang (it
 * never responds) or carry headers such as Retry-After.
 */

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  hang?: boolean;
}

export interface WebhookReceiver {
  url(path?: string): string;
  received: ReceivedWebhook[];
  /** Answers for the next requests, in order. */
  script(...answers: ScriptedAnswer[]): void;
  /** Answers for the next requests to `path`, in order (before the general script). */
  scriptPath(path: string, ...answers: ScriptedAnswer[]): void;
  /** The answer once the script is used up. */
  setDefault(answer: ScriptedAnswer): void;
  /** Requests to this path never get an answer (until close). */
  hangOn(path: string): void;
  /** Forgets what was received and scripted (between tests). */
  reset(): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const queue: ScriptedAnswer[] = [];
  let fallback: ScriptedAnswer = { status: 200, body: 'ok' };
  const hanging = new Set<http.ServerResponse>();
  const hangingPaths = new Set<string>();
  const byPath = new Map<string, ScriptedAnswer[]>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
      received.push({ path: request.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8') });
      const path = request.url ?? '/';
      const answer = hangingPaths.has(path) ? { hang: true } : (byPath.get(path)?.shift() ?? queue.shift() ?? fallback);
      if (answer.hang) {
        hanging.add(response);
        return;
      }
      response.writeHead(answer.status ?? 200, answer.headers ?? {});
      response.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received,
    script: (...answers) => queue.push(...answers),
    scriptPath: (path, ...answers) => byPath.set(path, [...(byPath.get(path) ?? []), ...answers]),
    setDefault: (answer) => {
      fallback = answer;
    },
    hangOn: (path) => void hangingPaths.add(path),
    reset: () => {
      received.length = 0;
      queue.length = 0;
      byPath.clear();
      hangingPaths.clear();
      fallback = { status: 200, body: 'ok' };
    },
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
