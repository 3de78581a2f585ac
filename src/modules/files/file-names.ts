import { extensionFor } from './file-types.js';

const MAX_NAME = 255;
// C0, DEL and C1 control characters, plus the bidirectional overrides that disguise extensions.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * FileResource `name` (docs/domain-rules.md#files-and-media): no directory part, no control characters, at most 255 characters
 * (code points, the extension kept when the name is cut), `file.<ext>` when nothing is left.
 */
export function cleanFileName(uploaded: string | undefined, mimeType: string): string {
  const base = (uploaded ?? '').split(/[/\\]/).pop()!.replace(CONTROL, '').trim();
  if (base === '' || base === '.' || base === '..') return `file.${extensionFor(mimeType)}`;
  const chars = [...base];
  if (chars.length <= MAX_NAME) return base;
  const dot = base.lastIndexOf('.');
  const extension = dot > 0 ? [...base.slice(dot)] : [];
  if (extension.length > 0 && extension.length <= 16) return chars.slice(0, MAX_NAME - extension.length).join('') + extension.join('');
  return chars.slice(0, MAX_NAME).join('');
}

/** Types a browser may show in place: media and PDF, but never SVG (it can carry script). */
export function isInline(mimeType: string): boolean {
  if (mimeType === 'image/svg+xml') return false;
  return /^(image|video|audio)\//.test(mimeType) || mimeType === 'application/pdf';
}

/** RFC 8187 value: everything but attr-char is percent-encoded (encodeURIComponent leaves ' ( ) * alone). */
function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** docs/domain-rules.md#files-and-media: inline or attachment, an ASCII fallback (`_` for anything else, `"` and `\`) and the UTF-8 name. */
export function contentDisposition(name: string, mimeType: string): string {
  const fileName = name === '' ? `file.${extensionFor(mimeType)}` : name;
  const fallback = [...fileName].map((char) => (/^[\x20-\x7e]$/.test(char) && char !== '"' && char !== '\\' ? char : '_')).join('');
  return `${isInline(mimeType) ? 'inline' : 'attachment'}; filename="${fallback}"; filename*=UTF-8''${encodeRfc8187(fileName)}`;
}
