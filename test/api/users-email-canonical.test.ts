/**
 * Issue #12 item 4b: one canonical form of every email (NFKC, then lower case) for lookup and uniqueness, the same in
 * TypeScript (canonicalEmail) and SQL (email_key, migration 0015), and what migration 0015 does to lookalike accounts
 * that already exist.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { expectValidationError } from '../support/assertions.js';
import { sql } from '../support/factories.js';
import { createdUser, newUserBody, postUser, putUser } from '../support/users.js';
import { openEmptyTestDatabase } from '../support/test-database.js';
import { canonicalEmail } from '../../src/modules/users/email-key.js';
import { findUserByEmail } from '../../src/modules/users/user.repository.js';
import { listMigrationFiles, MIGRATIONS_DIR } from '../../src/platform/db/migrate.js';
import type { Db } from '../../src/platform/db/db.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const TAKEN = { email: ['The email has already been taken.'] };

function fullwidth(text: string): string {
  return text.replace(/[a-z0-9]/gi, (character) => String.fromCodePoint(character.codePointAt(0)! + 0xfee0));
}

describe('canonical emails', () => {
  it('the TypeScript and SQL forms agree on every code point of long-assigned blocks (Latin to CJK symbols, fullwidth, math letters)', async () => {
    // Blocks that gained characters in recent Unicode versions are left out: PostgreSQL's NFKC tables and Node's ICU
    // may be of different versions there (a lower-casing difference would show in any block).
    const ranges: Array<[number, number]> = [
      [0x20, 0x33ff],
      [0xfb00, 0xfb4f],
      [0xff00, 0xffef],
      [0x10400, 0x1044f],
      [0x1d400, 0x1d7ff],
    ];
    const samples: string[] = [];
    for (const [first, last] of ranges) {
      for (let codePoint = first; codePoint <= last; codePoint++) {
        if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
        samples.push(`a${String.fromCodePoint(codePoint)}Z`);
      }
    }
    samples.push('ΟΔΟΣ@EXAMPLE.TEST', 'İstanbul@Example.Test', 'ＫＥＬＶＩＮ\u212a@ｅｘａｍｐｌｅ.test', '\u017fam@example.test');
    const rows = await sql<{ key: string }>(h, 'SELECT email_key(sample) AS key FROM unnest($1::text[]) WITH ORDINALITY AS s(sample, n) ORDER BY n', [samples]);
    const mismatches = samples.filter((sample, index) => rows[index]!.key !== canonicalEmail(sample));
    expect(mismatches.map((sample) => `${sample} → ${[...sample].map((c) => c.codePointAt(0)!.toString(16)).join(' ')}`)).toEqual([]);
    expect(canonicalEmail('ΟΔΟΣ@EXAMPLE.TEST')).toBe('οδοσ@example.test');
    expect(canonicalEmail(`${fullwidth('Kate')}\u212a@example.test`)).toBe('katek@example.test');
  });

  it('a fullwidth, Kelvin-sign or long-s variant of a live or removed account’s address is taken', async () => {
    const seed = await h.seedTenant();
    const user = await createdUser(h, seed.access_token, { email: `sk.${Date.now()}@example.test` });
    const variants = [fullwidth(user.email), user.email.replace('k', '\u212a'), user.email.replace('s', '\u017f'), user.email.toUpperCase()];
    for (const email of variants) expectValidationError(await postUser(h, seed.access_token, newUserBody({ email })), TAKEN);
    const other = await createdUser(h, seed.access_token);
    for (const email of variants) expectValidationError(await putUser(h, seed.access_token, other.id, { email }), TAKEN);

    await sql(h, 'UPDATE users SET deleted_at = now() WHERE id = $1', [user.id]);
    expectValidationError(await postUser(h, seed.access_token, newUserBody({ email: fullwidth(user.email) })), TAKEN);
  });

  it('the unique index holds the canonical form even for writes that skip validation; lookups find any variant', async () => {
    const seed = await h.seedTenant();
    const insert = (email: string) => sql(h, "INSERT INTO users (name, email) VALUES ('Lookalike', $1)", [email]);
    await expect(insert(fullwidth(seed.email))).rejects.toMatchObject({ code: '23505', constraint: 'users_email_unique' });
    const found = await findUserByEmail(h.deps.db, fullwidth(seed.email).toUpperCase());
    expect(found?.id).toBe(seed.user_id);
  });

  it('changing an email to a variant of itself is not a change of address', async () => {
    const seed = await h.seedTenant();
    const user = await createdUser(h, seed.access_token);
    const response = await putUser(h, seed.access_token, user.id, { email: fullwidth(user.email) });
    expect(response.status, response.body).toBe(200);
    expect(response.json.data.email).toBe(user.email);
  });
});

async function applyMigrations(db: Db, which: (file: string) => boolean): Promise<void> {
  for (const file of listMigrationFiles().filter(which)) {
    await db.session((session) => session.exec(fs.readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8')));
  }
}

describe('migration 0015 and accounts that are one address under the canonical form', () => {
  it('keeps the oldest live account of each address, removes the later lookalikes and ends their sessions and tokens', async () => {
    const { db, drop } = await openEmptyTestDatabase();
    try {
      await applyMigrations(db, (file) => file < '0015');
      const insert = async (email: string, deleted = false) => {
        const result = await db.query<{ id: number }>(
          `INSERT INTO users (name, email, deleted_at) VALUES ('U', $1, ${deleted ? 'now()' : 'NULL'}) RETURNING id`,
          [email],
        );
        return Number(result.rows[0]!.id);
      };
      const kate = await insert('kate@example.test');
      const kateLookalike = await insert(fullwidth('kate') + '@example.test');
      const sam = await insert('sam@example.test');
      const samLookalike = await insert('\u017fam@example.test');
      const removed = await insert(fullwidth('other') + '@example.test', true);
      const other = await insert('other@example.test');
      for (const userId of [kate, kateLookalike]) {
        await db.query(`INSERT INTO access_tokens (jti, user_id, scopes, kid, expires_at) VALUES ($1, $2, 'x', 'k', now() + interval '1 hour')`, [
          `jti-${userId}`,
          userId,
        ]);
        await db.query(
          `INSERT INTO login_sessions (id_hash, user_id, csrf_token, last_seen_at, expires_at) VALUES ($1, $2, 'c', now(), now() + interval '1 hour')`,
          [`session-${userId}`, userId],
        );
      }

      await applyMigrations(db, (file) => file.startsWith('0015'));

      const users = await db.query<{ id: number; deleted: boolean }>('SELECT id, deleted_at IS NOT NULL AS deleted FROM users ORDER BY id');
      expect(users.rows.map((row) => [Number(row.id), row.deleted])).toEqual([
        [kate, false],
        [kateLookalike, true],
        [sam, false],
        [samLookalike, true],
        [removed, true],
        [other, false],
      ]);
      const tokens = await db.query<{ user_id: number; revoked: boolean }>(
        'SELECT user_id, revoked_at IS NOT NULL AS revoked FROM access_tokens ORDER BY user_id',
      );
      expect(tokens.rows.map((row) => [Number(row.user_id), row.revoked])).toEqual([
        [kate, false],
        [kateLookalike, true],
      ]);
      const sessions = await db.query<{ user_id: number; revoked: boolean }>(
        'SELECT user_id, revoked_at IS NOT NULL AS revoked FROM login_sessions ORDER BY user_id',
      );
      expect(sessions.rows.map((row) => [Number(row.user_id), row.revoked])).toEqual([
        [kate, false],
        [kateLookalike, true],
      ]);
      await expect(db.query("INSERT INTO users (name, email) VALUES ('U', 'KATE@EXAMPLE.TEST')")).rejects.toMatchObject({ code: '23505' });
    } finally {
      await drop();
    }
  });
});
