import { STATUS_CODES, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { AppError, errorBody, errorStatus } from './errors.js';

/** Node's own default, kept below the whole-request timeout. */
const HEADERS_TIMEOUT_MS = 60_000;
/** How often node looks for expired requests: at most 30 s (node's default), a quarter of the headers timeout. */
const MAX_CHECK_INTERVAL_MS = 30_000;

type HttpLimits = Config['http'];

/**
 * Fastify options that bound how long one request may take to arrive (README "Configuration"). Fastify turns node's
 * request timeout off by default, so a body trickled a byte at a time held its socket forever; node answers such a
 * request through `clientErrorHandler` below once it is past its deadline.
 */
export function serverTimeoutOptions(limits: HttpLimits) {
  const headersTimeout = Math.min(HEADERS_TIMEOUT_MS, limits.requestTimeoutMs);
  const http: ServerOptions = {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout,
    connectionsCheckingInterval: Math.min(MAX_CHECK_INTERVAL_MS, Math.max(10, Math.floor(headersTimeout / 4))),
  };
  return { http, requestTimeout: limits.requestTimeoutMs, clientErrorHandler: clientErrorHandler(limits) };
}

/** Past the cap node closes a new connection at once, so sockets held open cannot exhaust the process's files. */
export function capConnections(app: FastifyInstance, limits: HttpLimits): void {
  app.server.maxConnections = limits.maxConnections;
}

/**
 * At close, ends the connections that carry no request. HTTP clients open connections they never use (a browser's
 * pre-connect; undici opens a fresh one after a streamed response it aborted, such as an event stream). Node's
 * server.close() ends idle keep-alive connections but not these: they stay until node's headers timeout reaps them,
 * 60 to 90 s later, and the server's close waits for them (a shutdown used up its whole drain budget). Connections
 * with a request in flight are left to finish.
 */
export function closeUnusedConnectionsAtClose(app: FastifyInstance): void {
  const inFlight = new Map<Socket, number>();
  let closing = false;
  app.server.on('connection', (socket: Socket) => {
    if (closing) return void socket.destroy();
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  app.server.on('request', (request, response) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const count = inFlight.get(socket);
      if (count !== undefined) inFlight.set(socket, count - 1);
    });
  });
  app.addHook('preClose', async () => {
    closing = true;
    for (const [socket, count] of inFlight) if (count === 0) socket.destroy();
  });
}

function clientError(error: NodeJS.ErrnoException, limits: HttpLimits): AppError {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new AppError('request_timeout', `The request was not received within ${limits.requestTimeoutMs / 1000} seconds.`);
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') return new AppError('request_header_too_large', 'The request headers are too large.');
  return new AppError('invalid_request', 'The request is malformed.');
}

/**
 * Errors node raises before Fastify has a request (timeouts, unparsable HTTP) still answer in the API envelope
 * (docs/errors.md#error-codes), written straight to the socket as node itself would, unless a response has already begun.
 */
function clientErrorHandler(limits: HttpLimits) {
  return function onClientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const answer = clientError(error, limits);
    this.log.debug({ err: error }, 'client error');
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const body = JSON.stringify(errorBody(answer));
      const status = errorStatus(answer);
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  };
}
