import { FakeProvider, type Answer } from './fake-provider.js';

export type { RecordedRequest, RecordedFile, ScriptedAnswer } from './fake-provider.js';

/**
 * The Telegram Bot API on 127.0.0.1 (point TELEGRAM_API_URL at `url`). Endpoints, named `telegram:<method>`:
 * `POST` (or `GET` with a query) `/bot<token>/sendMessage | sendPhoto | sendDocument | getFile | setWebhook` and `telegram:file` for
 * `GET /file/bot<token>/<file_path>`. Success answers are Telegram's: `{"ok":true,"result":{"message_id":…,…}}`.
 * The token of each call is in the recorded `path`. Files for getFile come from `addFile`; an unknown one answers
 * 400 "Bad Request: invalid file_id". Every request is recorded; `script()` overrides answers.
 */
export class FakeTelegram extends FakeProvider {
  private messageId = 100;
  readonly files = new Map<string, { path: string; bytes: Buffer; mimeType: string }>();

  /** The next `times` calls of a Bot API method answer Telegram's error (`reset()` ends it sooner). */
  refuse(method: string, code: number, description: string, times = 10): void {
    this.script(`telegram:${method}`, ...Array.from({ length: times }, () => telegramError(code, description)));
  }

  addFile(fileId: string, filePath: string, bytes: Buffer, mimeType = 'application/octet-stream'): void {
    this.files.set(fileId, { path: filePath, bytes, mimeType });
  }

  protected route(method: string, url: URL, body: unknown): { endpoint: string; answer: () => Answer } | null {
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file && method === 'GET') {
      const filePath = decodeURIComponent(file[2]!);
      return { endpoint: 'telegram:file', answer: () => this.download(filePath) };
    }
    const call = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!call || (method !== 'POST' && method !== 'GET')) return null;
    const name = call[2]!;
    // Telegram takes a method's parameters as a JSON or form body, or in the query string of a GET.
    const fields = (method === 'GET' ? Object.fromEntries(url.searchParams) : (body ?? {})) as Record<string, unknown>;
    switch (name) {
      case 'sendMessage':
      case 'sendPhoto':
      case 'sendDocument':
        return { endpoint: `telegram:${name}`, answer: () => this.sent(fields) };
      case 'getFile':
        return { endpoint: 'telegram:getFile', answer: () => this.getFile(String(fields.file_id ?? '')) };
      case 'setWebhook':
        return { endpoint: 'telegram:setWebhook', answer: () => ({ status: 200, json: { ok: true, result: true, description: 'Webhook was set' } }) };
      default:
        return { endpoint: `telegram:${name}`, answer: () => telegramError(404, 'Not Found') };
    }
  }

  private sent(fields: Record<string, unknown>): Answer {
    const chatId = Number(fields.chat_id);
    const result: Record<string, unknown> = {
      message_id: ++this.messageId,
      from: { id: 7000000001, is_bot: true, first_name: 'Shop', username: 'shop_bot' },
      chat: { id: chatId, first_name: 'Ayşe', type: 'private' },
      date: Math.floor(Date.now() / 1000),
    };
    if (typeof fields.text === 'string') result.text = fields.text;
    if (typeof fields.caption === 'string') result.caption = fields.caption;
    return { status: 200, json: { ok: true, result } };
  }

  private getFile(fileId: string): Answer {
    const file = this.files.get(fileId);
    if (!file) return telegramError(400, 'Bad Request: invalid file_id');
    return { status: 200, json: { ok: true, result: { file_id: fileId, file_unique_id: `u${fileId}`, file_size: file.bytes.length, file_path: file.path } } };
  }

  private download(filePath: string): Answer {
    const file = [...this.files.values()].find((candidate) => candidate.path === filePath);
    if (!file) return telegramError(404, 'Not Found');
    return { status: 200, bytes: file.bytes, contentType: file.mimeType };
  }
}

/** Telegram's error body: `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`. */
export function telegramError(code: number, description: string, parameters?: Record<string, unknown>): Answer & { json: unknown } {
  return { status: code, json: { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) } };
}
