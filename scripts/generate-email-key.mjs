#!/usr/bin/env node
/**
 * Prints the SQL function email_key(text) of migrations/0015_account_hardening.sql: NFKC, then each code point
 * lower-cased on its own, exactly as canonicalEmail() in src/modules/users/email-key.ts does.
 *
 * PostgreSQL's lower() depends on the server's locale (and PGlite's differs from a Debian server's), so the
 * lower-casing is spelled out as one translate() table taken from this Node's Unicode data, plus replace() for the
 * one code point whose lower case is two (U+0130 → i + U+0307). The table is generated once and committed.
 * Run: node scripts/generate-email-key.mjs
 */
import process from 'node:process';

const from = [];
const to = [];
const expansions = [];
for (let codePoint = 0; codePoint <= 0x10ffff; codePoint++) {
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
  const character = String.fromCodePoint(codePoint);
  const lower = character.toLowerCase();
  if (lower === character) continue;
  if ([...lower].length === 1) {
    from.push(character);
    to.push(lower);
  } else {
    expansions.push([character, lower]);
  }
}
const quote = (text) => `'${text.replace(/'/g, "''")}'`;
let expression = 'normalize($1, NFKC)';
for (const [character, lower] of expansions) expression = `replace(${expression}, ${quote(character)}, ${quote(lower)})`;
process.stdout.write(
  `CREATE FUNCTION email_key(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT translate(${expression},
    ${quote(from.join(''))},
    ${quote(to.join(''))})
$$;
`,
);
