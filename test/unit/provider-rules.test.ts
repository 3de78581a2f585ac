import { describe, expect, it } from 'vitest';
import { splitText } from '../../src/modules/delivery/providers/telegram.js';
import { classify, retryAfterSeconds } from '../../src/modules/delivery/providers/provider-http.js';
import { PermanentDeliveryError, TransientDeliveryError } from '../../src/modules/delivery/channel-adapter.js';
import { retryDelaySeconds } from '../../src/platform/jobs/job-queue.js';

/** The outbound rules of docs/jobs-and-delivery.md#adapters that need no provider. */
describe('Telegram text split', () => {
  it('cuts at 4096 characters when there is no space, and never inside a surrogate pair', () => {
    expect(splitText('x'.repeat(4096))).toEqual(['x'.repeat(4096)]);
    expect(splitText('x'.repeat(4097))).toEqual(['x'.repeat(4096), 'x']);
    const emoji = '😀'.repeat(4097);
    const pieces = splitText(emoji);
    expect(pieces.map((piece) => Array.from(piece).length)).toEqual([4096, 1]);
    expect(pieces.join('')).toBe(emoji);
  });

  it('prefers the last line break or space in the second half of a piece', () => {
    expect(splitText('aaaa bbb\ncc dd', 6)).toEqual(['aaaa ', 'bbb\n', 'cc dd']);
    expect(splitText('a bbbbbbbbb', 6)).toEqual(['a bbbb', 'bbbbb']);
  });
});

describe('retry rules', () => {
  it('classifies statuses and Meta codes', () => {
    const transient = [408, 429, 500, 503].map((status) => classify({ status, reason: 'r', retryAfterSeconds: null }));
    expect(transient.every((error) => error instanceof TransientDeliveryError)).toBe(true);
    for (const code of [4, 80007, 130429, 131056]) {
      expect(classify({ status: 400, reason: 'r', metaCode: code, retryAfterSeconds: 9 })).toMatchObject({ retryAfterSeconds: 9 });
    }
    expect(classify({ status: 400, reason: '100: Invalid parameter', metaCode: 100, retryAfterSeconds: null })).toEqual(
      new PermanentDeliveryError('100: Invalid parameter'),
    );
    expect(classify({ status: 403, reason: '403: Forbidden', retryAfterSeconds: null }).message).toBe('403: Forbidden');
    expect(classify({ status: 400, reason: '190: Expired', metaCode: 190, retryAfterSeconds: null }).message).toBe(
      'The provider rejected the channel credentials: 190: Expired',
    );
  });

  it('reads Retry-After as seconds or a date, capped at 300', () => {
    const now = new Date('2026-11-24T12:00:00Z');
    expect(retryAfterSeconds('12', now)).toBe(12);
    expect(retryAfterSeconds('9999', now)).toBe(300);
    expect(retryAfterSeconds('Tue, 24 Nov 2026 12:01:00 GMT', now)).toBe(60);
    expect(retryAfterSeconds('soon', now)).toBeNull();
    expect(retryAfterSeconds(null, now)).toBeNull();
  });

  it('draws the delay before attempt n+1 uniformly from [0, min(300, 2·2^(n−1))]', () => {
    expect([1, 2, 3, 8, 9].map((attempt) => retryDelaySeconds(attempt, null, () => 0.999999))).toEqual([2, 4, 8, 256, 300]);
    expect(retryDelaySeconds(5, null, () => 0)).toBe(0);
    expect(retryDelaySeconds(1, 700)).toBe(300);
  });
});
