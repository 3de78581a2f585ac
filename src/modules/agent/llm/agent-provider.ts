import type { PromptInput } from './prompt.js';

/**
 * The one interface the agent's runs call, whatever answers (docs/agent-llm.md#the-model-client): the
 * OpenAI-compatible client here, or the embedded knowledge-base responder when no model is configured.
 */
export interface AgentProvider {
  /** Recorded on the run: `openai_compatible` or `knowledge_base`. */
  readonly name: ProviderName;
  /** LLM_MODEL; null for the knowledge base. */
  readonly model: string | null;
  /** Never throws for a provider's failure: it is a `DecisionFailure` saying why. */
  decide(input: PromptInput): Promise<DecisionResult>;
}

export type ProviderName = 'openai_compatible' | 'knowledge_base';

/** What the model answered, validated (docs/agent-llm.md#the-answer). */
export interface AgentDecision {
  /** Trimmed; empty when nothing should be sent (the run then hands off). */
  reply: string;
  handoff: boolean;
  spam: boolean;
  abusive: boolean;
  /** One sentence for the staff; null when the model gave none. */
  reason: string | null;
}

/** What every run records of its provider call, success or not. */
interface CallStats {
  /** Every HTTP request made, fallback re-requests included. */
  attempts: number;
  /** From the first call to the decision or the final failure. */
  latencyMs: number;
  /** Summed over the answers that reported usage; null when none did. */
  promptTokens: number | null;
  completionTokens: number | null;
}

export interface DecisionSuccess extends CallStats {
  ok: true;
  decision: AgentDecision;
}

/**
 * Why a provider gave no usable decision, after its retries:
 * - `timeout`: the last attempt got no answer within LLM_TIMEOUT_MS;
 * - `network`: the last attempt could not connect or lost the connection;
 * - `rate_limited`: 429 on the last attempt, or a Retry-After longer than the client waits;
 * - `server_error`: 5xx on the last attempt;
 * - `rejected`: a 4xx other than 429, never retried (a wrong key, an unknown model, a request the server refuses);
 * - `invalid_answer`: a second answer that was not a decision (or the first, on the last attempt).
 */
export type FailureKind = 'timeout' | 'network' | 'rate_limited' | 'server_error' | 'rejected' | 'invalid_answer';

export interface DecisionFailure extends CallStats {
  ok: false;
  kind: FailureKind;
  /** The run's `error`: the last failure in words, never a secret nor the prompt. */
  error: string;
  /** The HTTP status of the last answer, null when there was none. */
  status: number | null;
}

export type DecisionResult = DecisionSuccess | DecisionFailure;
