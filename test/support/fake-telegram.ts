import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake Bot API received. */
export interface TelegramCall {
  method: string;
  path: string;
  body: any;
}

/**
 * A stand-in for the Telegram Bot API on 127.0.0.1 (docs/testing.md): records every request and answers
 * `setWebhook` with Telegram's JSON (`{"ok":true,"result":true,"description":"Webhook was set"}`), or with `answer`.
 */
export class FakeTelegram {
  readonly calls: TelegramCall[] = [];
  answer: { status: number; body: unknown } = { status: 200, body: { ok: true, result: true, description: 'Webhook was set' } };
  private server = http.createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => (text += String(chunk)));
    request.on('end', () => {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      this.calls.push({ method: request.method ?? '', path: request.url ?? '', body });
      response.writeHead(this.answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(this.answer.body));
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
