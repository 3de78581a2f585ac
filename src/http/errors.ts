import { AppError, NOT_FOUND_MESSAGE, type ErrorCode, type FieldErrors } from '../platform/errors.js';

export { AppError, notFound, validationError, type ErrorCode, type FieldErrors } from '../platform/errors.js';

/** The HTTP side of the error vocabulary (docs/errors.md): each code's status; the one envelope every error goes out in. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
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
  idempotency_key_in_use: 409,
  idempotency_key_reused: 422,
  too_many_streams: 429,
};

export function errorStatus(error: AppError): number {
  return ERROR_STATUS[error.code];
}

/** `{error, message}`, plus `errors` on a validation failure. */
export function errorBody(error: AppError): { error: ErrorCode; message: string; errors?: FieldErrors } {
  return error.details.errors ? { error: error.code, message: error.message, errors: error.details.errors } : { error: error.code, message: error.message };
}

export const MESSAGES = {
  unauthorized: 'Authentication is required.',
  invalidToken: 'The access token is invalid or has expired.',
  routeNotFound: NOT_FOUND_MESSAGE,
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
