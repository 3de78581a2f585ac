import { envelopeSchema, object } from './openapi-schemas.js';

/** A delete's answer (docs/responses.md#envelopes): the success sentence, repeated as the MessageResult in `data`. */
export function messageResult(sentence: string): { success: string; data: { message: string } } {
  return { success: sentence, data: { message: sentence } };
}

/** MessageResult: what deletes (and other answers with only a sentence) carry in `data`. */
export const messageResultSchema = object({ message: { type: 'string', example: 'Customer deleted successfully.' } });

export const messageResultResponse = envelopeSchema(messageResultSchema);
