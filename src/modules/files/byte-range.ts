import type { ByteRange } from '../../platform/storage/storage.js';

/**
 * One `Range: bytes=…` of a file of `size` bytes (RFC 9110 §14.1–14.2): the range to send, `'unsatisfiable'` when it
 * starts past the last byte (answered 416), or null to send the whole file — several ranges, other units and
 * malformed ranges are ignored, as RFC 9110 §14.2 allows.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '') {
    if (last === '') return null;
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    // An empty file has no last bytes to send: the (empty) whole answers.
    return size === 0 ? null : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}
