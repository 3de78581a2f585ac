import { SignJWT, decodeProtectedHeader, jwtVerify } from 'jose';
import type { Db } from '../../platform/db/db.js';
import type { Clock } from '../../platform/clock.js';
import { unixSeconds } from '../../platform/clock.js';
import { randomToken, type SecretBox } from '../../platform/crypto.js';
import {
  findTokenRecord,
  findTokenRecords,
  insertAccessToken,
  revokeAccessToken,
  revokeAccessTokenFamily,
  type TokenRecordRow,
} from './access-token.repository.js';
import { loadSigningKeys, type SigningKey } from './signing-keys.js';
import { isScope, orderScopes, type Scope } from './scopes.js';

export const PERSONAL_CLIENT = 'personal';

export type Principal =
  | { kind: 'user'; userId: number; name: string }
  | { kind: 'application'; applicationId: number; clientId: string; name: string; tenantId: number };

export interface VerifiedToken {
  jti: string;
  principal: Principal;
  scopes: ReadonlySet<Scope>;
  /** Set on tenant-bound tokens (client credentials, `flextell token --tenant`). */
  boundTenantId: number | null;
  /** The OAuth client the token was issued to, `personal` for personal tokens (part of an Idempotency-Key's scope). */
  clientId: string;
}

export interface MintRequest {
  userId: number | null;
  /** `personal` or an OAuth client's client_id. */
  clientId: string;
  tenantId: number | null;
  scopes: Iterable<Scope>;
  lifetimeSeconds: number;
  issuer: string;
  familyId?: string | null;
}

/** How long a token record (revocation, principal) may be served from memory: docs/request-checks.md#authentication allows 2 s. */
const RECORD_CACHE_MS = 2000;
/** How stale this process's view of the signing keys may get (rotation, retired keys leaving the JWKS). */
export const KEY_RELOAD_MS = 5000;

/**
 * Mints and verifies the RS256 access tokens of docs/oauth.md#access-tokens. Verification is local (signature, exp, nbf) plus one
 * cached lookup of the jti record, which carries revocation, scopes and the principal.
 */
export class AccessTokens {
  private keys: SigningKey[] = [];
  private lastKeyReload = 0;
  private readonly records = new Map<string, { at: number; token: VerifiedToken | null }>();
  /** Tokens whose signature already verified: a signature check costs ~0.1 ms of CPU, a lookup nothing. */
  private readonly signatures = new Map<string, { jti: string; notBefore: number; expires: number }>();

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  async reloadKeys(): Promise<void> {
    this.keys = await loadSigningKeys(this.db, this.box, this.clock.now());
    this.lastKeyReload = Date.now();
  }

  /** Reloads the keys when the last load is older than `maxAgeMs` (the JWKS must show another process's rotation). */
  async refreshKeys(maxAgeMs: number): Promise<void> {
    if (Date.now() - this.lastKeyReload >= maxAgeMs) await this.reloadKeys();
  }

  publicJwks() {
    // jsonb reorders keys; the JWKS shows them in the order of docs/oauth.md#access-tokens, public parameters only.
    return this.keys.map(({ publicJwk: jwk }) => ({ kty: jwk.kty, kid: jwk.kid, use: jwk.use, alg: jwk.alg, n: jwk.n, e: jwk.e }));
  }

  async mint(request: MintRequest): Promise<{ token: string; jti: string; expiresAt: Date }> {
    // A rotation by the CLI or another process must reach this one's signing, not only its JWKS.
    await this.refreshKeys(KEY_RELOAD_MS);
    const active = this.keys.find((key) => key.isActive && key.privateKey);
    if (!active?.privateKey) throw new Error('No active signing key is loaded.');
    const issuedAt = this.clock.now();
    const expiresAt = new Date(issuedAt.getTime() + request.lifetimeSeconds * 1000);
    const jti = randomToken(32);
    const scopes = orderScopes(request.scopes).join(' ');
    await insertAccessToken(this.db, {
      jti,
      userId: request.userId,
      clientId: request.clientId === PERSONAL_CLIENT ? null : request.clientId,
      tenantId: request.tenantId,
      scopes,
      kid: active.kid,
      familyId: request.familyId ?? null,
      expiresAt,
      createdAt: issuedAt,
    });
    const claims: Record<string, unknown> = { client_id: request.clientId, scope: scopes, jti };
    if (request.tenantId !== null) claims.tenant = request.tenantId;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: active.kid })
      .setIssuer(request.issuer)
      .setSubject(request.userId !== null ? String(request.userId) : request.clientId)
      .setAudience(request.clientId)
      .setIssuedAt(unixSeconds(issuedAt))
      .setNotBefore(unixSeconds(issuedAt))
      .setExpirationTime(unixSeconds(expiresAt))
      .sign(active.privateKey);
    return { token, jti, expiresAt };
  }

  /** Returns null for any token that must answer 401 invalid_token. */
  async verify(token: string): Promise<VerifiedToken | null> {
    const now = unixSeconds(this.clock.now());
    const known = this.signatures.get(token);
    if (known) return known.notBefore <= now && now < known.expires ? this.loadRecord(known.jti) : null;
    const key = await this.findKey(token);
    if (!key) return null;
    let verified: { jti: string; notBefore: number; expires: number };
    try {
      const { payload } = await jwtVerify(token, key.publicKey, {
        algorithms: ['RS256'],
        currentDate: this.clock.now(),
        clockTolerance: 0,
      });
      if (typeof payload.jti !== 'string' || !/^[0-9a-f]{64}$/.test(payload.jti) || typeof payload.exp !== 'number') return null;
      verified = { jti: payload.jti, notBefore: payload.nbf ?? payload.iat ?? 0, expires: payload.exp };
    } catch {
      return null;
    }
    if (this.signatures.size > 50_000) this.signatures.clear();
    this.signatures.set(token, verified);
    return this.loadRecord(verified.jti);
  }

  async revoke(jti: string): Promise<void> {
    await revokeAccessToken(this.db, jti, this.clock.now());
    this.records.set(jti, { at: Date.now(), token: null });
  }

  /** Revokes every access token of a refresh family, applied to this process's cache at once. */
  async revokeFamily(familyId: string): Promise<void> {
    const revoked = await revokeAccessTokenFamily(this.db, familyId, this.clock.now());
    for (const jti of revoked) this.records.set(jti, { at: Date.now(), token: null });
  }

  /**
   * Reads these tokens' records fresh, in one query, into the cache: the event streams' re-check uses it so that a
   * revocation made by another process (or the CLI) ends their streams at the next check, not after the cache's 2 s.
   */
  async refreshRecords(jtis: string[]): Promise<void> {
    if (jtis.length === 0) return;
    const rows = new Map((await findTokenRecords(this.db, jtis)).map((row) => [row.jti, row]));
    const at = Date.now();
    if (this.records.size + jtis.length > 50_000) this.records.clear();
    for (const jti of jtis) this.records.set(jti, { at, token: this.toVerifiedToken(rows.get(jti)) });
  }

  /** Forgets cached records so a bulk revocation (a deleted application) applies in this process at once. */
  forgetRecords(): void {
    this.records.clear();
  }

  private async findKey(token: string): Promise<SigningKey | null> {
    let kid: unknown;
    let alg: unknown;
    try {
      ({ kid, alg } = decodeProtectedHeader(token));
    } catch {
      return null;
    }
    if (alg !== 'RS256' || typeof kid !== 'string') return null;
    let key = this.keys.find((candidate) => candidate.kid === kid);
    // Another process may have rotated keys; look again, at most once a second so junk kids cannot hammer the database.
    if (!key && Date.now() - this.lastKeyReload > 1000) {
      await this.reloadKeys();
      key = this.keys.find((candidate) => candidate.kid === kid);
    }
    return key ?? null;
  }

  private async loadRecord(jti: string): Promise<VerifiedToken | null> {
    const cached = this.records.get(jti);
    if (cached && Date.now() - cached.at < RECORD_CACHE_MS) return cached.token;
    const token = this.toVerifiedToken(await findTokenRecord(this.db, jti));
    if (this.records.size > 50_000) this.records.clear();
    this.records.set(jti, { at: Date.now(), token });
    return token;
  }

  private toVerifiedToken(row: TokenRecordRow | undefined): VerifiedToken | null {
    if (!row || row.revoked_at) return null;
    const scopes = new Set(row.scopes.split(' ').filter(isScope));
    if (row.user_id !== null) {
      if (row.user_deleted_at) return null;
      // A password change or `flextell token revoke --email` ends every token the account had, minted or being minted.
      if (row.user_tokens_valid_after && new Date(row.created_at) < new Date(row.user_tokens_valid_after)) return null;
      // A user's token issued through an application dies with the application.
      if (row.application_id !== null && row.application_deleted_at) return null;
      return {
        jti: row.jti,
        scopes,
        boundTenantId: row.tenant_id,
        clientId: row.application_client_id ?? PERSONAL_CLIENT,
        principal: { kind: 'user', userId: row.user_id, name: row.user_name ?? '' },
      };
    }
    if (row.application_id === null || row.application_deleted_at) return null;
    return {
      jti: row.jti,
      scopes,
      boundTenantId: row.application_tenant_id,
      clientId: row.application_client_id!,
      principal: {
        kind: 'application',
        applicationId: row.application_id,
        clientId: row.application_client_id!,
        name: row.application_name ?? '',
        tenantId: row.application_tenant_id!,
      },
    };
  }
}
