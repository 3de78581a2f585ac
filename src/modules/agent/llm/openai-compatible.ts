import type { Config } from '../../../config.js';
import { fetchWithDeadline, httpReason, HttpCallError, redact, retryAfterSeconds, type HttpAnswer } from '../../delivery/providers/provider-http.js';
import type { AgentDecision, AgentProvider, DecisionFailure, DecisionResult, FailureKind } from './agent-provider.js';
import { parseDecision } from './decision.js';
import { buildChatMessages, type ChatMessage, type PromptInput } from './prompt.js';
import { chatRequestBody, type RequestShape, type ResponseFormatLevel } from './chat-request.js';

/** The model server as configured (README.md#configuration); the client exists only when LLM_BASE_URL is set. */
export interface LlmSettings {
  /** Includes `/v1`, no trailing slash. */
  baseUrl: string;
  apiKey: string | null;
  model: string;
  timeoutMs: number;
  maxTokens: number;
}

export function llmSettings(config: Pick<Config, 'llm'>): LlmSettings | null {
  const { baseUrl, apiKey, model, timeoutMs, maxTokens } = config.llm;
  return baseUrl && model ? { baseUrl, apiKey, model, timeoutMs, maxTokens } : null;
}

/** Time as the client sees it, injected so tests check the backoff without waiting for it. */
export interface LlmTiming {
  nowMs(): number;
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1), for the jitter. */
  random(): number;
}

export const realTiming: LlmTiming = {
  nowMs: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/** Requests that count against the retry budget (a compatibility fallback's re-request does not). */
export const MAX_ATTEMPTS = 3;
/** Before the second and the third attempt, plus up to RETRY_JITTER_MS. */
export const RETRY_DELAYS_MS = [1000, 3000] as const;
export const RETRY_JITTER_MS = 500;
/** A Retry-After above this is not waited for: the run fails and the conversation goes to the humans at once. */
export const MAX_RETRY_AFTER_MS = 60_000;
/** Two answers in a row that are not a decision end the call. */
const MAX_INVALID_ANSWERS = 2;
const ERROR_TEXT_MAX_CHARS = 300;

type Step =
  | { type: 'decision'; result: AgentDecision }
  | { type: 'fallback' }
  | { type: 'retry'; kind: FailureKind; error: string; status: number | null; retryAfterMs: number | null }
  | { type: 'final'; kind: FailureKind; error: string; status: number };

interface Tally {
  attempts: number;
  promptTokens: number | null;
  completionTokens: number | null;
}

/**
 * The OpenAI-compatible Chat Completions client (docs/agent-llm.md#the-model-client): one POST per attempt, no
 * streaming, retries on timeouts, network errors, 429 and 5xx, and the compatibility fallbacks for servers that
 * refuse `response_format` or `max_tokens`. The fallbacks are remembered for the life of the instance, which the
 * process makes once.
 */
export class OpenAiCompatibleProvider implements AgentProvider {
  readonly name = 'openai_compatible' as const;
  readonly model: string;
  private shape: RequestShape = { responseFormat: 'json_schema', tokensKey: 'max_tokens' };

  constructor(
    private readonly settings: LlmSettings,
    private readonly timing: LlmTiming = realTiming,
    /** One line per call: attempt, HTTP status, duration — never the key, the prompt or the answer. */
    private readonly log?: (fields: object, message: string) => void,
  ) {
    this.model = settings.model;
  }

  /** The request shape this process has fallen back to so far. */
  get requestShape(): RequestShape {
    return { ...this.shape };
  }

  async decide(input: PromptInput): Promise<DecisionResult> {
    const messages = buildChatMessages(input);
    const started = this.timing.nowMs();
    const tally: Tally = { attempts: 0, promptTokens: null, completionTokens: null };
    let budgetUsed = 0;
    let invalidAnswers = 0;
    let freeRequest = false;
    const stats = () => ({ ...tally, latencyMs: Math.max(0, Math.round(this.timing.nowMs() - started)) });
    for (;;) {
      if (!freeRequest) budgetUsed++;
      freeRequest = false;
      const step = await this.attempt(messages, tally);
      if (step.type === 'decision') return { ok: true, decision: step.result, ...stats() };
      if (step.type === 'fallback') {
        freeRequest = true;
        continue;
      }
      const failure = (): DecisionFailure => ({ ok: false, kind: step.kind, error: step.error, status: step.status, ...stats() });
      if (step.type === 'final') return failure();
      if (step.kind === 'invalid_answer' && ++invalidAnswers >= MAX_INVALID_ANSWERS) return failure();
      if (budgetUsed >= MAX_ATTEMPTS) return failure();
      const backoff = RETRY_DELAYS_MS[budgetUsed - 1]! + this.timing.random() * RETRY_JITTER_MS;
      if (step.retryAfterMs !== null && step.retryAfterMs > MAX_RETRY_AFTER_MS) {
        return { ...failure(), error: `${step.error} (Retry-After over ${MAX_RETRY_AFTER_MS / 1000} s)` };
      }
      await this.timing.sleep(Math.round(Math.max(backoff, step.retryAfterMs ?? 0)));
    }
  }

  private async attempt(messages: ChatMessage[], tally: Tally): Promise<Step> {
    const shape = { ...this.shape };
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.settings.apiKey) headers.Authorization = `Bearer ${this.settings.apiKey}`;
    const body = JSON.stringify(chatRequestBody(this.settings, messages, shape));
    tally.attempts++;
    const started = this.timing.nowMs();
    const fields = { provider: this.name, model: this.model, attempt: tally.attempts };
    let answer: HttpAnswer;
    try {
      answer = await fetchWithDeadline(`${this.settings.baseUrl}/chat/completions`, { method: 'POST', headers, body }, this.settings.timeoutMs);
    } catch (error) {
      if (!(error instanceof HttpCallError)) throw error;
      this.log?.({ ...fields, status: null, ms: this.timing.nowMs() - started, timed_out: error.timedOut }, 'model call failed');
      return { type: 'retry', kind: error.timedOut ? 'timeout' : 'network', error: this.clean(error.message), status: null, retryAfterMs: null };
    }
    this.log?.({ ...fields, status: answer.status, ms: this.timing.nowMs() - started }, 'model call');
    if (answer.status >= 200 && answer.status < 300) return this.readCompletion(answer, shape, tally);
    return this.readRefusal(answer, shape);
  }

  private readCompletion(answer: HttpAnswer, shape: RequestShape, tally: Tally): Step {
    if (answer.text === null)
      return { type: 'retry', kind: 'network', error: 'Network error: the answer was cut off', status: answer.status, retryAfterMs: null };
    const completion = answer.json as { choices?: Array<{ message?: { content?: unknown } }>; usage?: Record<string, unknown> } | null;
    addUsage(tally, completion?.usage);
    const parsed = parseDecision(completion?.choices?.[0]?.message?.content, shape.responseFormat === 'none');
    if (parsed.ok) return { type: 'decision', result: parsed.decision };
    return { type: 'retry', kind: 'invalid_answer', error: `Invalid decision: ${parsed.problem}`, status: answer.status, retryAfterMs: null };
  }

  private readRefusal(answer: HttpAnswer, used: RequestShape): Step {
    const error = this.clean(`${answer.status}: ${providerMessage(answer)}`);
    const mentions = (answer.text ?? '').toLowerCase();
    if (answer.status === 400 && used.responseFormat !== 'none' && (mentions.includes('response_format') || mentions.includes('json_schema'))) {
      this.fallBack({ responseFormat: used.responseFormat === 'json_schema' ? 'json_object' : 'none' });
      return { type: 'fallback' };
    }
    if (answer.status === 400 && used.tokensKey === 'max_tokens' && mentions.includes('max_tokens')) {
      this.fallBack({ tokensKey: 'max_completion_tokens' });
      return { type: 'fallback' };
    }
    if (answer.status === 429 || answer.status >= 500) {
      const seconds = retryAfterSeconds(answer.headers.get('retry-after'), new Date(this.timing.nowMs()));
      const kind = answer.status === 429 ? 'rate_limited' : 'server_error';
      return { type: 'retry', kind, error, status: answer.status, retryAfterMs: seconds === null ? null : seconds * 1000 };
    }
    return { type: 'final', kind: 'rejected', error, status: answer.status };
  }

  /** Fallbacks only move forward, so two runs that fail at once with the same request land on the same shape. */
  private fallBack(change: Partial<RequestShape>): void {
    const levels: ResponseFormatLevel[] = ['json_schema', 'json_object', 'none'];
    const responseFormat = change.responseFormat ?? this.shape.responseFormat;
    this.shape = {
      responseFormat: levels.indexOf(responseFormat) > levels.indexOf(this.shape.responseFormat) ? responseFormat : this.shape.responseFormat,
      tokensKey: change.tokensKey ?? this.shape.tokensKey,
    };
    this.log?.({ provider: this.name, model: this.model, ...this.shape }, 'model server refused a request field; falling back');
  }

  private clean(text: string): string {
    const cut = Array.from(text).slice(0, ERROR_TEXT_MAX_CHARS).join('');
    return this.settings.apiKey ? redact(cut, { apiKey: this.settings.apiKey }) : cut;
  }
}

/** The server's own words: OpenAI's `error.message`, Ollama's `error`, vLLM's `message`, else the status's name. */
function providerMessage(answer: HttpAnswer): string {
  const body = answer.json as { error?: unknown; message?: unknown } | null;
  const error = body?.error as { message?: unknown } | string | undefined;
  const message = typeof error === 'string' ? error : typeof error?.message === 'string' ? error.message : body?.message;
  return typeof message === 'string' && message.trim() !== '' ? message.trim() : httpReason(answer.status).replace(/^\d+: /, '');
}

function addUsage(tally: Tally, usage: Record<string, unknown> | undefined): void {
  const count = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null);
  const prompt = count(usage?.prompt_tokens);
  const completion = count(usage?.completion_tokens);
  if (prompt !== null) tally.promptTokens = (tally.promptTokens ?? 0) + prompt;
  if (completion !== null) tally.completionTokens = (tally.completionTokens ?? 0) + completion;
}
