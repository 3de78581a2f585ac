import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import type { RequestContext } from './define-route.js';
import { AppError, errorBody, errorStatus } from './errors.js';
import { joinTransaction } from '../platform/db/joined-transaction.js';
import { readIdempotencyKey } from '../modules/idempotency/idempotency-key.js';
import { requestHash, type BodyFingerprint } from '../modules/idempotency/request-fingerprint.js';
import { claimKey, completeKey, findLiveKey, releaseKey, type KeyScope, type StoredKey } from '../modules/idempotency/idempotency.repository.js';

const JSON_TYPE = 'application/json; charset=utf-8';
export const IN_USE_MESSAGE = 'A request with this Idempotency-Key is still being processed. Retry in a moment.';
export const REUSED_MESSAGE = 'This Idempotency-Key was already used for a different request.';
/** Refusals of steps 7–9 (transport, validation) that a handler may still raise: never stored, the key is released. */
const RELEASED_CODES = new Set(['validation_error', 'invalid_request', 'payload_too_large', 'unsupported_media_type']);

/** Where the request is: `executing` once steps 8–9 have passed and the handler runs (docs/request-checks.md#order-of-checks). */
export interface RunPhase {
  executing: boolean;
}

/** Runs the route's steps 8–10 with the dependencies given (the request's own transaction, for a keyed request). */
export type RunRoute = (deps: AppDeps, phase: RunPhase) => Promise<unknown>;

interface Answer {
  status: number;
  contentType: string;
  body: string;
  /** A stored step-10 refusal: sent by the error handler, which writes the same bytes. */
  error?: AppError;
}

const inUse = () => new AppError('idempotency_key_in_use', IN_USE_MESSAGE, { headers: { 'Retry-After': '1' } });
const reused = () => new AppError('idempotency_key_reused', REUSED_MESSAGE, { errors: { idempotency_key: [REUSED_MESSAGE] } });
const associatedData = (tenantId: number, id: number) => `idempotency:${tenantId}:${id}`;

function keyScope(context: RequestContext & { tenantId: number }, key: string): KeyScope {
  const { principal, token } = context;
  const subject = principal.kind === 'user' ? `user:${principal.userId}` : `application:${principal.applicationId}`;
  return { tenantId: context.tenantId, subject, clientId: token.clientId, key };
}

/** The answer the request produced, as the error handler or Fastify's serializer (JSON.stringify, app.ts) writes it. */
async function answerOf(run: () => Promise<unknown>, reply: FastifyReply, phase: RunPhase): Promise<Answer> {
  try {
    const result = await run();
    const contentType = reply.getHeader('content-type');
    return { status: reply.statusCode, contentType: typeof contentType === 'string' ? contentType : JSON_TYPE, body: JSON.stringify(result) ?? '' };
  } catch (error) {
    const stored = error instanceof AppError && phase.executing && !RELEASED_CODES.has(error.code) && errorStatus(error) < 500;
    if (!stored) throw error;
    return { status: errorStatus(error), contentType: JSON_TYPE, body: JSON.stringify(errorBody(error)), error };
  }
}

function send(reply: FastifyReply, answer: { status: number; contentType: string; body: string }): Buffer {
  reply.code(answer.status).header('Content-Type', answer.contentType);
  // Bytes, so Fastify sends them as they are (no serializer, no charset added).
  return Buffer.from(answer.body, 'utf8');
}

function replay(deps: AppDeps, scope: KeyScope, stored: StoredKey, reply: FastifyReply): Buffer {
  const body = deps.box.decrypt(stored.body!, associatedData(scope.tenantId, stored.id));
  reply.header('Idempotent-Replayed', 'true');
  return send(reply, { status: stored.status!, contentType: stored.content_type!, body });
}

/**
 * Runs the request in one transaction with the claimed key: the answer is stored (sealed) by the same commit as the
 * request's writes, and only while the claim is still this request's. Steps 8–9 refusals and every 5xx roll back and
 * release the key; a step-10 refusal is stored like a success.
 */
async function execute(
  deps: AppDeps,
  row: { tenantId: number; id: number; claim: string },
  reply: FastifyReply,
  run: RunRoute,
  phase: RunPhase,
): Promise<Answer> {
  try {
    return await deps.db.transaction(async (tx) => {
      const joined = joinTransaction(deps.db, tx);
      try {
        const answer = await answerOf(() => run({ ...deps, db: joined }, phase), reply, phase);
        const sealedBody = deps.box.encrypt(answer.body, associatedData(row.tenantId, row.id));
        if (!(await completeKey(tx, row, { status: answer.status, contentType: answer.contentType, sealedBody }))) throw inUse();
        return answer;
      } finally {
        joined.detach();
      }
    });
  } catch (error) {
    await releaseKey(deps.db, row).catch(() => undefined);
    throw error;
  }
}

/**
 * Step 7a of docs/request-checks.md#order-of-checks for a POST (docs/idempotency.md): without a key the route runs as
 * always; with one, a new key is claimed and the request runs, a finished one is replayed (same request) or refused
 * (422), one in flight is refused (409).
 */
export async function runIdempotent(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, readBody: ReadBody, run: RunRoute): Promise<unknown> {
  const context = request.apiContext;
  const key = context && context.tenantId !== null ? readIdempotencyKey(request) : null;
  if (key === null || !context || context.tenantId === null) return run(deps, { executing: false });
  const scope = keyScope({ ...context, tenantId: context.tenantId }, key);
  const body = await readBody(scope.tenantId);
  const phase: RunPhase = { executing: false };
  try {
    return await claimAndRun(deps, reply, { scope, hash: requestHash(request, body), phase }, run);
  } finally {
    // A body read ahead (a media upload) that no handler took over: its stored bytes go again.
    if (!phase.executing) await body.discard?.();
  }
}

/** What step 7 read of the body: a JSON body is already parsed; a multipart one is read ahead, before step 7a. */
export type ReadBody = (tenantId: number) => Promise<BodyFingerprint & { discard?: () => Promise<void> }>;

async function claimAndRun(
  deps: AppDeps,
  reply: FastifyReply,
  { scope, hash, phase }: { scope: KeyScope; hash: string; phase: RunPhase },
  run: RunRoute,
): Promise<unknown> {
  const claim = crypto.randomUUID();
  // A row released or expired between the two reads is claimed on the next turn.
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = deps.clock.now();
    const id = await claimKey(deps.db, scope, hash, claim, now);
    if (id !== null) {
      const answer = await execute(deps, { tenantId: scope.tenantId, id, claim }, reply, run, phase);
      if (answer.error) throw answer.error;
      return send(reply, answer);
    }
    const stored = await findLiveKey(deps.db, scope, now);
    if (!stored) continue;
    if (stored.status === null) throw inUse();
    if (stored.request_hash !== hash) throw reused();
    return replay(deps, scope, stored, reply);
  }
  throw inUse();
}
