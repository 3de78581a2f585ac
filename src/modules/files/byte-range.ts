import type { ByteRange } from '../../platform/storage/storage.js';

/**
 * One `Range: bytes=…` of a file of `size` bytes, or null to send the whole file: several ranges, other units,
 * malformed or unsatisfiable ranges are ignored, as RFC 9110 §14.2 allows.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!match || size === 0) return null;
  const [, first = '', last = ''] = match;
  if (first === '') {
    const suffix = Number(last);
    return last === '' || suffix === 0 ? null : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return start > end ? null : { start, end };
}
