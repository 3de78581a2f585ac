/**
 * Laravel's LengthAwarePaginator as seen through `Resource::collection($query->paginate($perPage)->withQueryString())`,
 * byte for byte (docs/pagination.md). Key order of every object literal below is part of the contract.
 */
import { pageWindowBlocks } from './page-window.js';
import type { PageRequest } from './define-route.js';
import { buildPhpQuery, PhpMap, phpTrim } from './query-string.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const LARGEST_PAGE = BigInt(Number.MAX_SAFE_INTEGER);
const FILTER_INTEGER = /^[+-]?(?:0|[1-9][0-9]*)$/;

export const DEFAULT_PER_PAGE = 15;
export const MAX_PER_PAGE = 100;

export interface PageLink {
  url: string | null;
  label: string;
  active: boolean;
}

export interface PaginationLinks {
  first: string;
  last: string;
  prev: string | null;
  next: string | null;
}

export interface PaginationMeta {
  current_page: number;
  from: number | null;
  last_page: number;
  links: PageLink[];
  path: string;
  per_page: number;
  to: number | null;
  total: number;
}

export interface PaginatedBody<T> {
  data: T[];
  links: PaginationLinks;
  meta: PaginationMeta;
}

function isFilterWhitespace(character: string | undefined): boolean {
  // PHP_FILTER_TRIM_DEFAULT: unlike trim() it leaves NUL alone.
  return character === ' ' || character === '\t' || character === '\r' || character === '\v' || character === '\n';
}

/** PHP `filter_var($text, FILTER_VALIDATE_INT)`: the integer, or null when PHP answers false. */
export function parseFilterInt(text: string): bigint | null {
  let start = 0;
  let end = text.length;
  while (start < end && isFilterWhitespace(text[start])) start += 1;
  while (end > start && isFilterWhitespace(text[end - 1])) end -= 1;
  const digits = text.slice(start, end);
  if (!FILTER_INTEGER.test(digits)) {
    return null;
  }
  const value = BigInt(digits);
  return value < INT64_MIN || value > INT64_MAX ? null : value;
}

/** Laravel's resolveCurrentPage, narrowed to 2^53 − 1 so the page stays an exact JavaScript number (docs/pagination.md#per_page-and-page). */
export function resolvePage(value: unknown): number {
  if (typeof value !== 'string') {
    return 1;
  }
  const page = parseFilterInt(value);
  return page === null || page < 1n || page > LARGEST_PAGE ? 1 : Number(page);
}

/**
 * `per_page`'s type rule: the integer as PHP's filter_var reads it (beyond JavaScript's safe range it stays out of
 * bounds, so `min`/`max` name it), null for a blank value ("use the default": Laravel skips non-implicit rules for a
 * blank string, so an uncleaned "  " means the default too). Its other rules are declared in page-fields.ts.
 */
export function parsePerPage(value: unknown): { ok: true; value: number | null } | { ok: false; message: string } {
  if (value === undefined || value === null || (typeof value === 'string' && phpTrim(value) === '')) return { ok: true, value: null };
  const perPage = typeof value === 'string' ? parseFilterInt(value) : null;
  if (perPage === null) return { ok: false, message: 'The {attr} field must be an integer.' };
  return { ok: true, value: Number(perPage) };
}

const DEFAULT_PORTS = { http: '80', https: '443' } as const;

function hostWithoutDefaultPort(host: string, scheme: 'http' | 'https'): string {
  // Symfony looks for the port after the closing bracket of an IPv6 literal, otherwise after the last colon.
  const portColon = host.startsWith('[') ? host.indexOf(':', host.lastIndexOf(']')) : host.lastIndexOf(':');
  if (portColon < 0) {
    return host;
  }
  const port = host.slice(portColon + 1);
  // Symfony casts the port to an integer before comparing, so `:080` is the default port too.
  const isDefault = /^[0-9]+$/.test(port) && BigInt(port) === BigInt(DEFAULT_PORTS[scheme]);
  return isDefault ? host.slice(0, portColon) : host;
}

/**
 * `meta.path` (docs/pagination.md#metapath). `path` is the request target as received; anything from `?` on is ignored. Every trailing `/`
 * goes, as Laravel's `rtrim($url, '/')` does, so the result never ends with a slash.
 */
export function requestBaseUrl(options: {
  hostHeader: string | undefined;
  scheme: 'http' | 'https';
  serverAddress?: { address: string; port: number; family?: string };
  path: string;
}): string {
  const { hostHeader, scheme, serverAddress } = options;
  let host: string;
  if (hostHeader !== undefined && hostHeader !== '') {
    host = hostWithoutDefaultPort(hostHeader.toLowerCase(), scheme);
  } else if (serverAddress !== undefined) {
    const isIpv6 = serverAddress.family === 'IPv6' || serverAddress.address.includes(':');
    const address = serverAddress.address.toLowerCase();
    host = `${isIpv6 ? `[${address}]` : address}:${serverAddress.port}`;
  } else {
    // Only reachable without a socket (injected requests); Symfony would fall back to its SERVER_NAME here.
    host = 'localhost';
  }
  const queryStart = options.path.search(/[?#]/);
  const path = queryStart < 0 ? options.path : options.path.slice(0, queryStart);
  let end = path.length;
  while (end > 0 && path[end - 1] === '/') end -= 1;
  return `${scheme}://${host}${path.slice(0, end)}`;
}

/**
 * Row offset of a page: (currentPage − 1) × perPage. It saturates at 2^53 − 1 instead of losing precision, which is
 * still beyond any real total, so the page is simply empty.
 */
export function pageOffset(currentPage: number, perPage: number): number {
  const offset = (BigInt(Math.max(Math.trunc(currentPage), 1)) - 1n) * BigInt(Math.trunc(perPage));
  return offset > LARGEST_PAGE ? Number.MAX_SAFE_INTEGER : Number(offset);
}

/** withQueryString() minus `page`, then array_merge's renumbering of top-level integer keys (docs/pagination.md#links). */
function linkParameters(query: PhpMap): PhpMap {
  const parameters = new PhpMap();
  for (const [key, value] of query.exactEntries()) {
    if (key === 'page') continue;
    if (typeof key === 'bigint') {
      // A null still takes its number, exactly as array_merge renumbers it before http_build_query drops it.
      parameters.append(value);
    } else {
      parameters.set(key, value);
    }
  }
  return parameters;
}

export function buildPaginator<T>(options: { data: T[]; total: number; perPage: number; currentPage: number; path: string; query: PhpMap }): PaginatedBody<T> {
  const { data, total, perPage, currentPage, path } = options;
  const lastPage = Math.max(Math.ceil(total / perPage), 1);
  const count = data.length;
  const from = count > 0 ? (currentPage - 1) * perPage + 1 : null;
  const to = from === null ? null : from + count - 1;

  const serialisedParameters = buildPhpQuery(linkParameters(options.query));
  const pagePrefix = `${path}?${serialisedParameters === '' ? '' : `${serialisedParameters}&`}page=`;
  const url = (page: number): string => `${pagePrefix}${Math.max(page, 1)}`;

  const prev = currentPage > 1 ? url(currentPage - 1) : null;
  const next = currentPage < lastPage ? url(currentPage + 1) : null;

  const pageLinks: PageLink[] = [{ url: prev, label: '&laquo; Previous', active: false }];
  pageWindowBlocks(lastPage, currentPage).forEach((block, blockIndex) => {
    if (blockIndex > 0) {
      pageLinks.push({ url: null, label: '...', active: false });
    }
    for (const page of block) {
      pageLinks.push({ url: url(page), label: String(page), active: page === currentPage });
    }
  });
  pageLinks.push({ url: next, label: 'Next &raquo;', active: false });

  return {
    data,
    links: { first: url(1), last: url(lastPage), prev, next },
    meta: {
      current_page: currentPage,
      from,
      last_page: lastPage,
      links: pageLinks,
      path,
      per_page: perPage,
      to,
      total,
    },
  };
}

/** The page a list route serves: size, number, and the rows to skip before it. */
export function pageRequest(perPage: number, currentPage: number): PageRequest {
  return { perPage, currentPage, offset: pageOffset(currentPage, perPage) };
}
