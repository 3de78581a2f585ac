import { describe, expect, it } from 'vitest';
import { remainingTime } from '../../src/modules/blacklist/remaining-time.js';
import { loadConfig, ConfigError } from '../../src/config.js';
import { normalizeInput, parseIsoDate, rule, validateFields } from '../../src/http/validation.js';
import { isPhoneLike, normalizePhone } from '../../src/modules/customers/phone.js';
import { addressKey } from '../../src/modules/conversations/conversation.service.js';
import type { Queryable } from '../../src/platform/db/db.js';

const now = new Date('2026-11-24T19:00:00Z');
const after = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const context = { tenantId: 1, db: {} as Queryable, loaded: undefined };

describe('remainingTime (docs/domain-rules.md#channel-blacklist)', () => {
  it.each([
    [7200, '2 hours'],
    [7199, '2 hours'],
    [7500, '2 hours 5 minutes'],
    [3 * 86400, '3 days'],
    [86400 + 5 * 3600 + 30 * 60, '1 day 5 hours'],
    [86400 + 30 * 60, '1 day'],
    [90, '2 minutes'],
    [1, '1 minute'],
    [60, '1 minute'],
    [3600, '1 hour'],
  ])('%i seconds → %s', (seconds, expected) => {
    expect(remainingTime(after(seconds), now)).toBe(expected);
  });

  it('is null when permanent or expired', () => {
    expect(remainingTime(null, now)).toBeNull();
    expect(remainingTime(now, now)).toBeNull();
    expect(remainingTime(after(-5), now)).toBeNull();
  });
});

describe('configuration (README.md#configuration)', () => {
  it('uses defaults and accepts every boolean spelling', () => {
    const config = loadConfig({ TRUST_PROXY: 'TRUE', S3_FORCE_PATH_STYLE: '0' });
    expect(config.port).toBe(8080);
    expect(config.rateLimitPerMinute).toBe(600);
    expect(config.trustProxy).toEqual({ hops: 1 });
    expect(config.s3.forcePathStyle).toBe(false);
    expect(loadConfig({ FLEXTELL_RATE_LIMIT_PER_MINUTE: '1000000000' }).rateLimitPerMinute).toBe(1_000_000_000);
  });

  it('reads TRUST_PROXY as off, a hop count (true = 1) or a list of proxy addresses and CIDRs', () => {
    const trust = (value: string | undefined) => loadConfig({ TRUST_PROXY: value }).trustProxy;
    for (const off of [undefined, '', 'false', 'FALSE', '0']) expect(trust(off), String(off)).toBe(false);
    expect(trust('1')).toEqual({ hops: 1 });
    expect(trust('3')).toEqual({ hops: 3 });
    expect(trust('10.0.0.0/8, 192.0.2.1,::1, fd00::/8 ,loopback')).toEqual({ proxies: ['10.0.0.0/8', '192.0.2.1', '::1', 'fd00::/8', 'loopback'] });
    for (const bad of ['yes', '101', '10.0.0.0/33', 'proxy.example.com', '10.0.0.1, nope', ',', '-1']) {
      expect(() => trust(bad), bad).toThrow(
        `Invalid configuration: TRUST_PROXY must be true, false, a hop count from 0 to 100, or comma-separated proxy IP addresses/CIDRs (got "${bad}").`,
      );
    }
  });

  it('reads the HTTP transport limits', () => {
    expect(loadConfig({}).http).toEqual({ requestTimeoutMs: 300_000, maxConnections: 800 });
    expect(loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '1500', HTTP_MAX_CONNECTIONS: '3' }).http).toEqual({ requestTimeoutMs: 1500, maxConnections: 3 });
    expect(() => loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '0' })).toThrow('HTTP_REQUEST_TIMEOUT_MS must be an integer from 1000 to 3600000 (got "0").');
    expect(() => loadConfig({ HTTP_MAX_CONNECTIONS: '0' })).toThrow('HTTP_MAX_CONNECTIONS must be an integer from 1 to 1000000 (got "0").');
  });

  it('reports every problem at once, one line each', () => {
    try {
      loadConfig({ PORT: '70000', TRUST_PROXY: 'yes', DATABASE_URL: 'mysql://x', LLM_BASE_URL: 'http://llm/v1', FLEXTELL_ENCRYPTION_KEY: 'short' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const lines = (error as Error).message.split('\n');
      expect(lines).toHaveLength(5);
      expect(lines).toContain('Invalid configuration: PORT must be an integer from 0 to 65535 (got "70000").');
      expect(lines.every((line) => line.startsWith('Invalid configuration: '))).toBe(true);
    }
  });
});

describe('input rules (docs/input.md#body-transport, docs/input.md#validation-messages)', () => {
  it('trims strings, turns empty ones into null, and leaves passwords alone', () => {
    expect(normalizeInput({ a: '  x ', b: ' \t', c: [' y ', ''], d: { e: ' z ' }, password: ' p ' })).toEqual({
      a: 'x',
      b: null,
      c: ['y', null],
      d: { e: 'z' },
      password: ' p ',
    });
  });

  it('accepts integers the PHP way and reports the first failing rule per field, in field order', async () => {
    const fields = { count: rule.integer().required().min(1), name: rule.string().nullable().max(3), kind: rule.enum(['a', 'b']).nullable() };
    const errors: Record<string, string[]> = {};
    const values = await validateFields(fields, { count: '+5', name: 'héé', kind: null }, 'body', context, errors);
    expect(errors).toEqual({});
    expect(values).toEqual({ count: 5, name: 'héé', kind: null });
    // An empty array fails `required` first, as in Laravel; these fail `integer`.
    for (const bad of [1.5, '05', '1e1', true, [1], {}]) {
      const failed: Record<string, string[]> = {};
      await validateFields(fields, { count: bad }, 'body', context, failed);
      expect(failed.count).toEqual(['The count field must be an integer.']);
    }
    const failed: Record<string, string[]> = {};
    await validateFields(fields, { count: 0, name: 'abcd', kind: 'A' }, 'body', context, failed);
    expect(Object.keys(failed)).toEqual(['count', 'name', 'kind']);
    expect(failed).toEqual({
      count: ['The count field must be at least 1.'],
      name: ['The name field must not be greater than 3 characters.'],
      kind: ['The selected kind is invalid.'],
    });
  });

  it('reads booleans strictly in bodies and also true/false in query strings', async () => {
    const fields = { flag: rule.boolean() };
    const body: Record<string, string[]> = {};
    await validateFields(fields, { flag: 'true' }, 'body', context, body);
    expect(body.flag).toEqual(['The flag field must be true or false.']);
    expect(await validateFields(fields, { flag: 'true' }, 'query', context, {})).toEqual({ flag: true });
    expect(await validateFields(fields, { flag: '0' }, 'body', context, {})).toEqual({ flag: false });
  });

  it('parses ISO 8601 dates and date-times to whole UTC seconds', () => {
    expect(parseIsoDate('2026-11-24T23:09:00.75+02:00')?.toISOString()).toBe('2026-11-24T21:09:00.000Z');
    expect(parseIsoDate('2026-11-24')?.toISOString()).toBe('2026-11-24T00:00:00.000Z');
    expect(parseIsoDate('2026-02-30')).toBeNull();
    expect(parseIsoDate('soon')).toBeNull();
  });
});

describe('phone numbers and WhatsApp address keys', () => {
  it('normalises WhatsApp addresses to E.164 and compares them by digits', () => {
    expect(isPhoneLike('+90 532 123 45 67')).toBe(true);
    expect(isPhoneLike('90+532')).toBe(false);
    expect(isPhoneLike('@kaan')).toBe(false);
    expect(normalizePhone('905321234567', { international: true })).toEqual({ value: '+905321234567', possible: true });
    expect(normalizePhone('0090 532 123 45 67').value).toBe('+905321234567');
    expect(normalizePhone('12', { international: true })).toEqual({ value: '12', possible: false });
    expect(addressKey('whatsapp', '+90 532 123 45 67')).toBe(addressKey('whatsapp', '905321234567'));
    expect(addressKey('telegram', '@kaan')).toBe('@kaan');
    expect(addressKey('whatsapp', 'no digits')).toBe('no digits');
  });
});
