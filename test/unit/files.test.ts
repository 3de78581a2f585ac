import { describe, expect, it } from 'vitest';
import { formatSize, FileLinks } from '../../src/modules/files/file-links.js';
import { cleanFileName, contentDisposition, isInline } from '../../src/modules/files/file-names.js';
import { detectMimeType, extensionFor, fileKind, peekStream } from '../../src/modules/files/file-types.js';
import { parseRange } from '../../src/modules/files/byte-range.js';
import { newStorageKey } from '../../src/platform/storage/storage.js';
import { Readable } from 'node:stream';
import { PNG_BYTES } from '../support/multipart.js';

describe('formatted_size (docs/domain-rules.md#files-and-media)', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1024, '1 KB'],
    [1536, '1.5 KB'],
    [48213, '47.08 KB'],
    [1_237_320, '1.18 MB'],
    [52_428_800, '50 MB'],
    [1024 ** 3 * 2.5, '2.5 GB'],
  ])('%d bytes → %s', (size, text) => {
    expect(formatSize(size)).toBe(text);
  });
});

describe('Content-Disposition (docs/domain-rules.md#files-and-media)', () => {
  it.each([
    ['return-label.png', 'image/png', `inline; filename="return-label.png"; filename*=UTF-8''return-label.png`],
    ['clip.mp4', 'video/mp4', `inline; filename="clip.mp4"; filename*=UTF-8''clip.mp4`],
    ['voice.ogg', 'audio/ogg', `inline; filename="voice.ogg"; filename*=UTF-8''voice.ogg`],
    ['invoice.pdf', 'application/pdf', `inline; filename="invoice.pdf"; filename*=UTF-8''invoice.pdf`],
    ['logo.svg', 'image/svg+xml', `attachment; filename="logo.svg"; filename*=UTF-8''logo.svg`],
    ['page.html', 'text/html', `attachment; filename="page.html"; filename*=UTF-8''page.html`],
    ['İade "özet"\\.txt', 'text/plain', `attachment; filename="_ade __zet__.txt"; filename*=UTF-8''%C4%B0ade%20%22%C3%B6zet%22%5C.txt`],
    ["it's (1) *.bin", 'application/zip', `attachment; filename="it's (1) *.bin"; filename*=UTF-8''it%27s%20%281%29%20%2A.bin`],
    ['😀.png', 'image/png', `inline; filename="_.png"; filename*=UTF-8''%F0%9F%98%80.png`],
    ['', 'image/jpeg', `inline; filename="file.jpg"; filename*=UTF-8''file.jpg`],
    ['', 'application/x-unknown', `attachment; filename="file.bin"; filename*=UTF-8''file.bin`],
  ])('%j as %s', (name, mime, header) => {
    expect(contentDisposition(name, mime)).toBe(header);
  });

  it('shows media and PDF inline, nothing else', () => {
    expect(['image/gif', 'video/webm', 'audio/mpeg', 'application/pdf'].every(isInline)).toBe(true);
    expect(['image/svg+xml', 'text/plain', 'application/octet-stream', 'text/html'].some(isInline)).toBe(false);
  });
});

describe('file names (docs/domain-rules.md#files-and-media)', () => {
  it.each([
    ['photo.png', 'photo.png'],
    ['/etc/passwd', 'passwd'],
    ['..\\..\\windows\\evil.exe', 'evil.exe'],
    ['a/b\\c.txt', 'c.txt'],
    ['bad\u0000na\u0007me\u001b.txt\u007f', 'badname.txt'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['  spaced.pdf  ', 'spaced.pdf'],
    ['Sipariş özeti 😀.pdf', 'Sipariş özeti 😀.pdf'],
  ])('%j → %j', (uploaded, cleaned) => {
    expect(cleanFileName(uploaded, 'application/pdf')).toBe(cleaned);
  });

  it('makes file.<ext> when there is no usable name', () => {
    expect(cleanFileName(undefined, 'image/png')).toBe('file.png');
    expect(cleanFileName('', 'image/jpeg')).toBe('file.jpg');
    expect(cleanFileName('dir/', 'audio/mpeg')).toBe('file.mp3');
    expect(cleanFileName('..', 'text/plain')).toBe('file.txt');
    expect(cleanFileName('\u0001\u0002', 'application/x-thing')).toBe('file.bin');
  });

  it('cuts names to 255 code points and keeps the extension', () => {
    const long = cleanFileName(`${'ğ'.repeat(300)}.jpeg`, 'image/jpeg');
    expect([...long].length).toBe(255);
    expect(long.endsWith('ğ.jpeg')).toBe(true);
    const noExtension = cleanFileName('😀'.repeat(300), 'image/png');
    expect([...noExtension].length).toBe(255);
  });
});

describe('types (docs/domain-rules.md#files-and-media)', () => {
  it('detects from the bytes before trusting the declared type', async () => {
    expect(await detectMimeType(PNG_BYTES, 'application/octet-stream')).toBe('image/png');
    expect(await detectMimeType(PNG_BYTES, 'text/plain')).toBe('image/png');
    expect(await detectMimeType(Buffer.from('%PDF-1.7\n'), undefined)).toBe('application/pdf');
    expect(await detectMimeType(Buffer.from('hello'), 'Text/Plain; charset=UTF-8')).toBe('text/plain');
    expect(await detectMimeType(Buffer.from('hello'), 'application/octet-stream')).toBe('application/octet-stream');
    expect(await detectMimeType(Buffer.from('hello'), undefined)).toBe('application/octet-stream');
    expect(await detectMimeType(Buffer.from('hello'), 'not a type')).toBe('application/octet-stream');
  });

  it('maps MIME types to kinds and extensions', () => {
    expect(['image/png', 'video/mp4', 'audio/ogg', 'application/pdf', 'text/plain'].map(fileKind)).toEqual(['image', 'video', 'audio', 'document', 'document']);
    expect(
      [
        'image/png',
        'image/jpeg',
        'image/gif',
        'image/webp',
        'application/pdf',
        'video/mp4',
        'video/webm',
        'audio/ogg',
        'audio/mpeg',
        'audio/wav',
        'text/plain',
        'application/zip',
      ].map(extensionFor),
    ).toEqual(['png', 'jpg', 'gif', 'webp', 'pdf', 'mp4', 'webm', 'ogg', 'mp3', 'wav', 'txt', 'bin']);
  });

  it('peeks at the first bytes and still streams all of them', async () => {
    const chunks = Array.from({ length: 10 }, (_, index) => Buffer.alloc(1000, index));
    const { head, stream } = await peekStream(Readable.from(chunks), 4100);
    expect(head.length).toBe(4100);
    const all: Buffer[] = [];
    for await (const chunk of stream) all.push(chunk as Buffer);
    expect(Buffer.concat(all)).toEqual(Buffer.concat(chunks));
    const empty = await peekStream(Readable.from([]), 4100);
    expect(empty.head.length).toBe(0);
  });
});

describe('signed links and ranges', () => {
  const links = new FileLinks(Buffer.alloc(32, 7), 900);
  const now = new Date('2026-11-24T18:44:10Z');

  it('verifies its own links only, and only until they expire', () => {
    const url = new URL(links.url('http://x', 2, 5521, 'content', now));
    const query = Object.fromEntries(url.searchParams) as { t: string; expires: string; signature: string };
    expect(query.expires).toBe(String(now.getTime() / 1000 + 900));
    expect(links.verify(query, '5521', 'content', now)).toEqual({ tenantId: 2, expires: Number(query.expires) });
    expect(links.verify(query, '5521', 'thumbnail', now)).toBeNull();
    expect(links.verify(query, '05521', 'content', now)).toBeNull();
    expect(links.verify({ ...query, t: '3' }, '5521', 'content', now)).toBeNull();
    expect(links.verify({ ...query, signature: query.signature.toUpperCase() }, '5521', 'content', now)).toBeNull();
    expect(links.verify(query, '5521', 'content', new Date(now.getTime() + 900_000))).not.toBeNull();
    expect(links.verify(query, '5521', 'content', new Date(now.getTime() + 901_000))).toBeNull();
  });

  it('reads one byte range, ignoring what it cannot serve', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    for (const header of [undefined, '', 'bytes=0-1,5-6', 'items=0-1', 'bytes=9-2', 'bytes=-', 'bytes=a-b']) {
      expect(parseRange(header, 100), String(header)).toBeNull();
    }
  });

  it('tells a range past the end apart from one it ignores (RFC 9110 §14.1.1)', () => {
    for (const header of ['bytes=100-', 'bytes=100-200', 'bytes=5000-5001', 'bytes=-0']) {
      expect(parseRange(header, 100), header).toBe('unsatisfiable');
    }
    expect(parseRange('bytes=0-0', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=99-', 100)).toEqual({ start: 99, end: 99 });
    // An empty file has no byte to point at: a suffix range is ignored and the (empty) whole is sent.
    expect(parseRange('bytes=-5', 0)).toBeNull();
  });

  it('makes storage keys from the tenant and the month only', () => {
    expect(newStorageKey(42, now)).toMatch(/^42\/2026\/11\/[0-9a-f]{40}$/);
    expect(newStorageKey(42, now)).not.toBe(newStorageKey(42, now));
  });
});
