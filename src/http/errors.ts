/**
 * One error vocabulary (api.md §8). Domain code throws AppError with a code; this file alone knows statuses.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  tenant_required: 400,
  unauthorized: 401,
  invalid_token: 401,
  forbidden: 403,
  insufficient_scope: 403,
  tenant_forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  validation_error: 422,
  reply_window_closed: 422,
  channel_inactive: 422,
  rate_limit_exceeded: 429,
  request_header_too_large: 431,
  server_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { errors?: FieldErrors; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }

  toBody(): { error: ErrorCode; message: string; errors?: FieldErrors } {
    return this.details.errors
      ? { error: this.code, message: this.message, errors: this.details.errors }
      : { error: this.code, message: this.message };
  }
}

export const MESSAGES = {
  unauthorized: 'Authentication is required.',
  invalidToken: 'The access token is invalid or has expired.',
  routeNotFound: 'The requested resource was not found.',
  malformedJson: 'The request body is not valid JSON.',
  bodyTooLarge: 'The request body must not be larger than 1 MiB.',
  jsonContentType: 'The Content-Type must be application/json.',
  forbidden: 'You do not have permission to perform this action.',
  tenantRequired: 'The X-Tenant header is required.',
  tenantInvalid: 'The X-Tenant header must be a numeric tenant id.',
  tenantForbidden: 'You do not have access to this tenant.',
  queryNotUtf8: 'The query string is not valid UTF-8.',
  bodyNotUtf8: 'The request body is not valid UTF-8.',
  jsonTooDeep: 'The request body must not be nested more than 512 levels deep.',
  badPath: 'The request path is not valid percent-encoded UTF-8.',
} as const;

export function notFound(message: string = MESSAGES.routeNotFound): AppError {
  return new AppError('not_found', message);
}

/** The 422 body: `message` is the first message of the first failing field. */
export function validationError(errors: FieldErrors): AppError {
  const first = Object.values(errors)[0]?.[0] ?? 'The given data was invalid.';
  return new AppError('validation_error', first, { errors });
}
