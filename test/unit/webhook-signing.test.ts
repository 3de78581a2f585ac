/**
 * Webhook signatures (docs/webhooks.md#signatures), the retry schedule and the address rules, as pure functions:
 * the contract's test vector, checked by our signer and by the independent `standardwebhooks` verifier.
 */
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signatureHeader } from '../../src/modules/webhooks/webhook-secret.js';
import { isRefusedAddress } from '../../src/modules/webhooks/address-policy.js';
import { URL_MESSAGES, webhookUrlProblem } from '../../src/modules/webhooks/url-rules.js';
import { nextAttemptAt, retryAfterSeconds, RETRY_DELAYS_SECONDS } from '../../src/modules/webhooks/retry-schedule.js';
import { embeddedIpv4, NetworkList } from '../../src/platform/networks.js';
import { loadConfig } from '../../src/config.js';

const BODY =
  '{"id":1042,"type":"conversation.updated","timestamp":"2026-11-24T18:42:07Z","tenant_id":2,"actor":{"type":"customer","id":77,"name":null},"data":{"id":318}}';
const CURRENT = 'whsec_1I41VQjJAeIn89fD1Kq4EHsQTGnETiguL5V8Jvtt7Kg=';
const PREVIOUS = 'whsec_dT2xNA+xs8gxCtIOeUmW102gOeEd+8ltJL77Bua9GuE=';

describe('webhook signatures', () => {
  it('reproduces the test vector, with both secrets during an overlap', () => {
    const body = Buffer.from(BODY);
    expect(body).toHaveLength(156);
    expect(signatureHeader([CURRENT], 'evt_2_1042', 1795546800, body)).toBe('v1,EOgOPc+pMbyAezWjFPHqni198Cwn6RnKR1JmH/LvyhU=');
    expect(signatureHeader([CURRENT, PREVIOUS], 'evt_2_1042', 1795546800, body)).toBe(
      'v1,EOgOPc+pMbyAezWjFPHqni198Cwn6RnKR1JmH/LvyhU= v1,Su2iaQZMq3pnBgnPmXUUcexkBstXuZUvcF9Q02bcm7o=',
    );
  });

  it('is accepted by the standardwebhooks verifier under either secret', () => {
    const secret = newWebhookSecret();
    const previous = newWebhookSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'evt_3_7',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader([secret, previous], 'evt_3_7', timestamp, Buffer.from(BODY)),
    };
    expect(new Webhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(new Webhook(previous).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(() => new Webhook(newWebhookSecret()).verify(BODY, headers)).toThrow();
    expect(() => new Webhook(secret).verify(BODY.replace('318', '319'), headers)).toThrow();
  });
});

describe('the retry schedule', () => {
  it('waits 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, stretched by up to 10 %, then stops after the 10th attempt', () => {
    const now = new Date('2026-11-24T12:00:00Z');
    const at = (attempts: number, random: number, retryAfter: number | null = null) =>
      nextAttemptAt(attempts, now, { retryAfter, scale: 1, random: () => random })?.getTime() ?? null;
    expect(RETRY_DELAYS_SECONDS.map((_, index) => (at(index + 1, 0)! - now.getTime()) / 1000)).toEqual([5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
    expect((at(1, 1)! - now.getTime()) / 1000).toBeCloseTo(5.5);
    expect(at(10, 0)).toBeNull();
    expect((at(1, 0, 600)! - now.getTime()) / 1000).toBe(600);
    expect((at(3, 0, 60)! - now.getTime()) / 1000).toBe(1800);
    expect((nextAttemptAt(2, now, { retryAfter: null, scale: 0.001, random: () => 0 })!.getTime() - now.getTime()) / 1000).toBeCloseTo(0.3);
  });

  it('reads Retry-After as seconds or an HTTP date, capped at 24 hours', () => {
    const now = new Date('2026-11-24T12:00:00Z');
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('999999', now)).toBe(86400);
    expect(retryAfterSeconds('Tue, 24 Nov 2026 12:10:00 GMT', now)).toBe(600);
    expect(retryAfterSeconds('soon', now)).toBeNull();
    expect(retryAfterSeconds(null, now)).toBeNull();
  });
});

describe('webhook addresses', () => {
  const none = new NetworkList([]);

  it('refuses the reserved ranges, IPv4 embedded in IPv6 included, and lets public addresses through', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.5',
      '172.16.3.4',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.1.1',
      '224.0.0.1',
      '::1',
      '::',
      'fd00:ec2::254',
      'fe80::1',
      'ff02::1',
      '2001:db8::1',
      '::ffff:127.0.0.1',
      '64:ff9b::7f00:1',
      '2002:c0a8:101::1',
    ]) {
      expect(isRefusedAddress(address, none), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8', '2002:808:808::1']) {
      expect(isRefusedAddress(address, none), address).toBe(false);
    }
    expect(isRefusedAddress('127.0.0.1', new NetworkList(['127.0.0.1/32']))).toBe(false);
    expect(isRefusedAddress('127.0.0.2', new NetworkList(['127.0.0.1/32']))).toBe(true);
    expect(embeddedIpv4('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(embeddedIpv4('2606:4700::1111')).toBeNull();
  });

  it('refuses a DNS name that resolves to a refused address unless every address is allowed', async () => {
    expect(await webhookUrlProblem('https://localhost/hook', none)).toBe(URL_MESSAGES.public);
    expect(await webhookUrlProblem('http://localhost/hook', none)).toBe(URL_MESSAGES.https);
    expect(await webhookUrlProblem('http://localhost/hook', new NetworkList(['127.0.0.0/8', '::1/128']))).toBeNull();
  });
});

describe('webhook configuration', () => {
  it('reads the FLEXTELL_WEBHOOK_* variables with their defaults and refuses bad values', () => {
    expect(loadConfig({}).webhooks).toEqual({
      allowedNetworks: [],
      timeoutMs: 15000,
      concurrency: 8,
      disableAfterDays: 5,
      deliveryRetentionDays: 30,
      retryScale: 1,
    });
    const set = loadConfig({ FLEXTELL_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32, ::1/128', FLEXTELL_WEBHOOK_RETRY_SCALE: '0.001' }).webhooks;
    expect(set).toMatchObject({ allowedNetworks: ['127.0.0.1/32', '::1/128'], retryScale: 0.001 });
    expect(() => loadConfig({ FLEXTELL_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/33' })).toThrow(/FLEXTELL_WEBHOOK_ALLOWED_NETWORKS/);
    expect(() => loadConfig({ FLEXTELL_WEBHOOK_RETRY_SCALE: '0' })).toThrow(/FLEXTELL_WEBHOOK_RETRY_SCALE/);
    expect(() => loadConfig({ FLEXTELL_WEBHOOK_TIMEOUT_MS: '999' })).toThrow(/FLEXTELL_WEBHOOK_TIMEOUT_MS/);
  });
});
