import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorBody, errorStatus, MESSAGES } from './errors.js';
import { isOAuthPath, sendOAuthFailure } from '../modules/oauth/server/oauth-plugin.js';

/** Framework refusals without a more specific mapping below, by HTTP status; any other 4xx is a 400. */
const BY_STATUS: Record<number, AppError> = {
  404: new AppError('not_found', MESSAGES.routeNotFound),
  413: new AppError('payload_too_large', MESSAGES.bodyTooLarge),
  415: new AppError('unsupported_media_type', MESSAGES.jsonContentType),
};

/** Any error as the API's envelope (docs/errors.md#error-codes): ours as thrown, the framework's translated, anything else a 500. */
export function toAppError(error: FastifyError | AppError, requestId: string): AppError {
  if (error instanceof AppError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('payload_too_large', MESSAGES.bodyTooLarge);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', MESSAGES.jsonContentType);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('invalid_request', MESSAGES.malformedJson);
    case 'FST_ERR_BAD_URL':
      return new AppError('invalid_request', MESSAGES.badPath);
    // docs/request-checks.md#paths-and-path-ids: a path id is a short decimal number, so an over-long path segment names nothing.
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError('not_found', MESSAGES.routeNotFound);
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return BY_STATUS[status] ?? new AppError('invalid_request', 'The request is malformed.');
  return new AppError('server_error', `An unexpected error occurred. Request id: ${requestId}.`);
}

/**
 * Sends any error in the API's envelope: the status of its code, the headers it carries (a 401 without its own
 * challenge gets the API's), and a log line for a 5xx. Every API answer that is an error goes out through here.
 */
export function sendApiError(error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply): void {
  const appError = toAppError(error, request.id);
  const status = errorStatus(appError);
  if (status >= 500) request.log.error({ err: error }, 'unhandled error');
  for (const [name, value] of Object.entries(appError.details.headers ?? {})) reply.header(name, value);
  if (appError.code === 'unauthorized' && !appError.details.headers) reply.header('WWW-Authenticate', 'Bearer realm="api"');
  reply
    .code(status)
    .header('Content-Type', 'application/json; charset=utf-8')
    .send(JSON.stringify(errorBody(appError)));
}

/**
 * Fastify's `frameworkErrors`: refusals made before routing (a path that is not valid percent-encoded UTF-8, an
 * over-long path parameter) get the same bodies and headers as every other answer instead of Fastify's own.
 */
export function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('X-Request-Id', request.id);
  const path = request.url.split('?')[0]!;
  if (isOAuthPath(path)) {
    sendOAuthFailure(error, request, reply);
    return;
  }
  if (path.startsWith('/api/')) reply.header('Cache-Control', 'no-store').header('X-Content-Type-Options', 'nosniff');
  sendApiError(error, request, reply);
}
