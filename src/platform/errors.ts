/**
 * The product's one error vocabulary (docs/errors.md). Domain code throws AppError with a code and a message and
 * knows nothing of HTTP: src/http/errors.ts alone maps a code to its status and the response envelope.
 */
export const ERROR_CODES = [
  'invalid_request',
  'tenant_required',
  'unauthorized',
  'invalid_token',
  'forbidden',
  'insufficient_scope',
  'tenant_forbidden',
  'not_found',
  'method_not_allowed',
  'request_timeout',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'range_not_satisfiable',
  'validation_error',
  'reply_window_closed',
  'channel_inactive',
  'rate_limit_exceeded',
  'request_header_too_large',
  'server_error',
  'service_unavailable',
  'idempotency_key_in_use',
  'idempotency_key_reused',
  'too_many_streams',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
export type FieldErrors = Record<string, string[]>;

export interface ErrorDetails {
  /** Messages per field of a validation error. */
  errors?: FieldErrors;
  /** What the answer must carry besides the body: a challenge, a retry delay, the size of a file. */
  headers?: Record<string, string>;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
  }
}

export const NOT_FOUND_MESSAGE = 'The requested resource was not found.';

export function notFound(message: string = NOT_FOUND_MESSAGE): AppError {
  return new AppError('not_found', message);
}

/** A validation failure: its message is the first message of the first failing field. */
export function validationError(errors: FieldErrors): AppError {
  const first = Object.values(errors)[0]?.[0] ?? 'The given data was invalid.';
  return new AppError('validation_error', first, { errors });
}
