import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small stand-in for the providers' media and profile APIs on 127.0.0.1, in their wire formats
 * (docs/channels.md#processing-inbound-events): WhatsApp's media lookup (`GET /{version}/{media-id}` → `{url,
 * mime_type, file_size, …}`) and download, plain attachment URLs (Instagram), Telegram's `getFile` and file URL,
 * and Instagram's profile lookup. Every request is recorded; `failing` paths answer 500.
 */
export interface FakeMediaServer {
  url: string;
  requests: { path: string; authorization: string | null }[];
  /** Bytes served at `/files/<name>` (WhatsApp download URLs and attachment URLs point there). */
  files: Map<string, { bytes: Buffer; type: string }>;
  /** Instagram profiles by IGSID. */
  profiles: Map<string, { name?: string; username?: string; profile_pic?: string }>;
  /** Paths (without query) that answer 500. */
  failing: Set<string>;
  close(): Promise<void>;
}

export const FAKE_VERSION = 'v21.0';

export async function startFakeMediaServer(): Promise<FakeMediaServer> {
  const requests: FakeMediaServer['requests'] = [];
  const files: FakeMediaServer['files'] = new Map();
  const profiles: FakeMediaServer['profiles'] = new Map();
  const failing = new Set<string>();
  let base = '';
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', base);
    requests.push({ path: url.pathname + url.search, authorization: request.headers.authorization ?? null });
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (failing.has(url.pathname)) return json(500, { error: { message: 'Internal error', type: 'OAuthException', code: 2 } });
    const file = /^\/(?:files|file\/bot[^/]+)\/(.+)$/.exec(url.pathname);
    if (file) {
      const stored = files.get(decodeURIComponent(file[1]!));
      if (!stored) return json(404, { error: { message: 'Not found' } });
      response.writeHead(200, { 'content-type': stored.type, 'content-length': String(stored.bytes.length) });
      return response.end(stored.bytes);
    }
    const getFile = /^\/bot[^/]+\/getFile$/.exec(url.pathname);
    if (getFile) {
      const id = url.searchParams.get('file_id') ?? '';
      if (!files.has(id)) return json(400, { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
      return json(200, { ok: true, result: { file_id: id, file_unique_id: `u${id}`, file_size: files.get(id)!.bytes.length, file_path: id } });
    }
    const graph = new RegExp(`^/${FAKE_VERSION}/([^/]+)$`).exec(url.pathname);
    if (graph) {
      const id = decodeURIComponent(graph[1]!);
      if (url.searchParams.has('fields')) {
        const profile = profiles.get(id);
        return profile ? json(200, { ...profile, id }) : json(400, { error: { message: 'Unsupported get request.', code: 100 } });
      }
      const stored = files.get(id);
      if (!stored) return json(404, { error: { message: 'Unsupported get request.', code: 100 } });
      return json(200, {
        messaging_product: 'whatsapp',
        url: `${base}/files/${encodeURIComponent(id)}`,
        mime_type: stored.type,
        sha256: 'x',
        file_size: stored.bytes.length,
        id,
      });
    }
    json(404, { error: { message: 'Unknown path' } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    files,
    profiles,
    failing,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
