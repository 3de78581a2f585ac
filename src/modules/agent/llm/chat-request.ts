import type { ChatMessage } from './prompt.js';

/**
 * The Chat Completions request body (docs/agent-llm.md#the-request), keys in this order: `model`, `messages`,
 * `temperature`, `max_tokens` (or `max_completion_tokens`), `response_format` (absent after the last fallback).
 */

/** How the decision's shape is asked for: the JSON schema, then plain JSON mode, then only the system prompt. */
export type ResponseFormatLevel = 'json_schema' | 'json_object' | 'none';

/** What the compatibility fallbacks have changed of the request. */
export interface RequestShape {
  responseFormat: ResponseFormatLevel;
  tokensKey: 'max_tokens' | 'max_completion_tokens';
}

export const TEMPERATURE = 0.2;

const flag = (description: string) => ({ type: 'boolean', description });

export const DECISION_RESPONSE_FORMAT = {
  type: 'json_schema',
  json_schema: {
    name: 'agent_decision',
    strict: true,
    schema: {
      type: 'object',
      properties: {
        reply: { type: 'string', description: "The message to send to the customer, in the customer's language. Empty when nothing should be sent." },
        handoff: flag(
          'True when a human should take over: the customer asks for a person, the knowledge does not answer the question, or only staff can decide.',
        ),
        spam: flag('True for unsolicited advertising, phishing or automated junk.'),
        abusive: flag('True for insults, threats or harassment.'),
        reason: { type: 'string', description: 'One short sentence for the staff explaining the decision.' },
      },
      required: ['reply', 'handoff', 'spam', 'abusive', 'reason'],
      additionalProperties: false,
    },
  },
} as const;

export function chatRequestBody(settings: { model: string; maxTokens: number }, messages: ChatMessage[], shape: RequestShape): Record<string, unknown> {
  const body: Record<string, unknown> = { model: settings.model, messages, temperature: TEMPERATURE, [shape.tokensKey]: settings.maxTokens };
  if (shape.responseFormat === 'json_schema') body.response_format = DECISION_RESPONSE_FORMAT;
  if (shape.responseFormat === 'json_object') body.response_format = { type: 'json_object' };
  return body;
}
