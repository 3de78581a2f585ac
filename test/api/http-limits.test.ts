/**
 * Transport limits of a real listening server (README "Configuration": HTTP_REQUEST_TIMEOUT_MS,
 * HTTP_MAX_CONNECTIONS): a request whose headers or body trickle in is answered 408 and closed once the timeout
 * passes, and connections past the cap are refused while the open ones keep working.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';

const TIMEOUT_MS = 1500;
const MAX_CONNECTIONS = 3;

let h: Harness;
let port: number;
const sockets: net.Socket[] = [];
beforeAll(async () => {
  h = await createHarness({ HTTP_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS), HTTP_MAX_CONNECTIONS: String(MAX_CONNECTIONS) });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  port = (h.app.server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await h?.close();
});

/** A raw client socket that records what it receives and when the server closed it. */
interface Client {
  socket: net.Socket;
  received(): string;
  closedAt: number | null;
}

async function connect(): Promise<Client> {
  const socket = net.createConnection({ host: '127.0.0.1', port });
  sockets.push(socket);
  const client: Client = { socket, received: () => Buffer.concat(chunks).toString('utf8'), closedAt: null };
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  // A refused or cut connection may reset: that is an answer here, not a failure.
  socket.on('error', () => undefined);
  socket.on('close', () => (client.closedAt = Date.now()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return client;
}

/** Polls every 20 ms until `condition` holds; fails after `deadlineMs`. */
async function waitFor(condition: () => boolean | Promise<boolean>, deadlineMs: number, what: string): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Sends `head`, then one byte of `trickle` every 100 ms until the server closes the connection. */
async function trickle(head: string, trickleText: string): Promise<{ response: string; afterMs: number }> {
  const client = await connect();
  const started = Date.now();
  client.socket.write(head);
  let next = 0;
  const timer = setInterval(() => {
    if (!client.socket.destroyed) client.socket.write(trickleText[next++ % trickleText.length]!);
  }, 100);
  try {
    await waitFor(() => client.closedAt !== null, TIMEOUT_MS * 4, 'the server to close a trickling request');
  } finally {
    clearInterval(timer);
    client.socket.destroy();
  }
  return { response: client.received(), afterMs: client.closedAt! - started };
}

function expectTimeoutAnswer(result: { response: string; afterMs: number }): void {
  expect(result.afterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  // The check runs every quarter of the timeout; allow for a busy machine on top.
  expect(result.afterMs).toBeLessThan(TIMEOUT_MS * 2 + 500);
  const [head, body] = result.response.split('\r\n\r\n');
  expect(head).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  expect(head).toContain('Content-Type: application/json; charset=utf-8');
  expect(head).toContain('Connection: close');
  expect(JSON.parse(body!)).toEqual({ error: 'request_timeout', message: 'The request was not received within 1.5 seconds.' });
}

/** Connections the server holds open right now. */
function serverConnections(): Promise<number> {
  return new Promise((resolve, reject) => h.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

async function health(client: Client): Promise<string> {
  const before = client.received().length;
  client.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await waitFor(() => /\r\n\r\n\{[^}]*\}/.test(client.received().slice(before)), 5000, 'the /health answer');
  return client.received().slice(before);
}

describe('request timeout', () => {
  it('a body trickled one byte at a time is answered 408 and cut once the timeout passes', async () => {
    const head = 'POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n';
    expectTimeoutAnswer(await trickle(head, 'grant_type=client_credentials&'));
  });

  it('headers trickled one byte at a time are answered 408 and cut once the timeout passes', async () => {
    expectTimeoutAnswer(await trickle('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-Slow: yes\r\n'));
  });

  it('a keep-alive connection between requests is not a slow request', async () => {
    const client = await connect();
    expect(await health(client)).toMatch(/^HTTP\/1\.1 200 /);
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS + 600));
    expect(client.closedAt).toBeNull();
    expect(await health(client)).toMatch(/^HTTP\/1\.1 200 /);
    client.socket.destroy();
  });
});

describe('errors before a request exists', () => {
  async function answerTo(raw: string): Promise<{ head: string; json: unknown }> {
    const client = await connect();
    client.socket.write(raw);
    await waitFor(() => client.closedAt !== null, 5000, 'the server to answer and close');
    const [head, body] = client.received().split('\r\n\r\n');
    return { head: head!, json: JSON.parse(body!) };
  }

  it('unparsable HTTP and oversized headers answer in the API envelope too', async () => {
    const garbage = await answerTo('NOT HTTP AT ALL\r\n\r\n');
    expect(garbage.head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(garbage.json).toEqual({ error: 'invalid_request', message: 'The request is malformed.' });
    const huge = await answerTo(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge.head).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(huge.json).toEqual({ error: 'request_header_too_large', message: 'The request headers are too large.' });
  });
});

describe('connection cap', () => {
  it('refuses connections past the cap; the open ones still answer /health, and a freed slot is reused', async () => {
    await waitFor(async () => (await serverConnections()) === 0, 5000, 'earlier connections to close');
    const open: Client[] = [];
    for (let index = 0; index < MAX_CONNECTIONS; index++) {
      const client = await connect();
      expect(await health(client)).toMatch(/^HTTP\/1\.1 200 /);
      open.push(client);
    }
    const refused = await connect();
    refused.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await waitFor(() => refused.closedAt !== null, 5000, 'the extra connection to be refused');
    expect(refused.received()).toBe('');

    for (const client of open) expect(await health(client)).toMatch(/^HTTP\/1\.1 200 /);
    open[0]!.socket.destroy();
    await waitFor(async () => (await serverConnections()) < MAX_CONNECTIONS, 5000, 'the server to see a connection close');
    const next = await connect();
    expect(await health(next)).toMatch(/^HTTP\/1\.1 200 /);
    for (const client of [...open, next]) client.socket.destroy();
  });
});
