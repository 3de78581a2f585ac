import { FakeProvider, type Answer, type ScriptedAnswer } from './fake-provider.js';
import type { LlmTiming } from '../../src/modules/agent/llm/openai-compatible.js';

export type { RecordedRequest, ScriptedAnswer } from './fake-provider.js';

/** The agent's decision as a model writes it (docs/agent-llm.md#the-answer). */
export interface FakeDecision {
  reply?: unknown;
  handoff?: unknown;
  spam?: unknown;
  abusive?: unknown;
  reason?: unknown;
}

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export const DEFAULT_USAGE: FakeUsage = { prompt_tokens: 611, completion_tokens: 48 };

/**
 * An OpenAI-compatible Chat Completions server on 127.0.0.1 (point LLM_BASE_URL at `baseUrl`, which ends in `/v1`).
 * One endpoint, `llm:chat` = `POST /v1/chat/completions`; it answers `defaultDecision` as a `chat.completion` with
 * `usage` unless scripted. Every request is recorded with its headers and parsed body. Scripts, in call order:
 * `decide()` a decision, `content()` any message content (malformed JSON, a fenced object, prose), `fail()` an
 * OpenAI error body with a status (429 with `Retry-After`, 500, 400 …), `hang()` an answer later than a timeout,
 * `garble()` a body that is not JSON, `hangUp()` a dropped connection.
 */
export class FakeLlm extends FakeProvider {
  defaultDecision: FakeDecision = { reply: 'Hello! How can I help you today?', handoff: false, spam: false, abusive: false, reason: 'A greeting.' };
  usage: FakeUsage | null = DEFAULT_USAGE;

  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  /** The recorded chat requests, oldest first. */
  chats(): Array<{ headers: Record<string, string | string[] | undefined>; body: Record<string, unknown> }> {
    return this.calls('llm:chat').map((call) => ({ headers: call.headers, body: call.body as Record<string, unknown> }));
  }

  decide(...decisions: FakeDecision[]): void {
    this.script('llm:chat', ...decisions.map((decision) => chatCompletion(JSON.stringify(decision), this.usage)));
  }

  content(...contents: Array<string | null>): void {
    this.script('llm:chat', ...contents.map((content) => chatCompletion(content, this.usage)));
  }

  fail(status: number, message: string, options: { headers?: Record<string, string>; type?: string; param?: string | null; code?: string | null } = {}): void {
    this.script('llm:chat', openAiError(status, message, options));
  }

  /** Answers the default decision after `ms`: longer than the client's timeout, a timeout. */
  hang(ms: number): void {
    this.script('llm:chat', { delayMs: ms });
  }

  garble(text = '<html><body>502 Bad Gateway</body></html>', status = 200): void {
    this.script('llm:chat', { status, text });
  }

  hangUp(): void {
    this.script('llm:chat', { hangUp: true });
  }

  protected route(method: string, url: URL, body: unknown): { endpoint: string; answer: () => Answer } | null {
    if (method !== 'POST' || url.pathname !== '/v1/chat/completions') return null;
    const model = typeof (body as { model?: unknown } | null)?.model === 'string' ? (body as { model: string }).model : 'unknown';
    return { endpoint: 'llm:chat', answer: () => ({ status: 200, json: completionBody(JSON.stringify(this.defaultDecision), this.usage, model) }) };
  }
}

let completionNumber = 0;

function completionBody(content: string | null, usage: FakeUsage | null, model = 'fake-model'): Record<string, unknown> {
  return {
    id: `chatcmpl-fake${++completionNumber}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
  };
}

/** A 200 `chat.completion` whose first choice's content is `content`. */
export function chatCompletion(content: string | null, usage: FakeUsage | null = DEFAULT_USAGE): ScriptedAnswer {
  return { status: 200, json: completionBody(content, usage) };
}

/** OpenAI's error body: `{"error":{"message":…,"type":…,"param":…,"code":…}}`. */
export function openAiError(
  status: number,
  message: string,
  options: { headers?: Record<string, string>; type?: string; param?: string | null; code?: string | null } = {},
): ScriptedAnswer {
  const type = options.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
  return { status, json: { error: { message, type, param: options.param ?? null, code: options.code ?? null } }, headers: options.headers };
}

/** The model client's timing for tests: sleeps are recorded and skipped; the clock moves by them, so latency counts the waits without waiting. */
export function recordedLlmTiming(): LlmTiming & { sleeps: number[] } {
  const sleeps: number[] = [];
  let slept = 0;
  return {
    sleeps,
    nowMs: () => Date.now() + slept,
    sleep: async (ms) => {
      sleeps.push(ms);
      slept += ms;
    },
    random: () => 0.5,
  };
}
