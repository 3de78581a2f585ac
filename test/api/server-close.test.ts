/**
 * Closing a listening server (src/http/server-limits.ts, closeUnusedConnectionsAtClose): connections that carry no
 * request — opened and never used, or opened by fetch after it aborted an event stream — end at once instead of
 * holding the close for node's headers timeout (60–90 s), while an event stream still gets its `closing` block.
 */
import net from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { widgetClient } from '../support/widget.js';
import { namedEvent, openEventStream } from '../support/events.js';

let h: Harness;
let base: string;
beforeAll(async () => {
  h = await createHarness();
  base = (await widgetClient(h)).base;
});
afterAll(async () => h?.close());

function connections(): Promise<number> {
  return new Promise((resolve, reject) => h.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

/** 'done' when `promise` settles within `ms`, else 'timed out' (a close that waits for node's timeout takes a minute). */
async function within(promise: Promise<unknown>, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('timed out'), ms)));
  try {
    return await Promise.race([promise.then(() => 'done'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

it('ends unused connections at close and lets an open event stream say closing', async () => {
  const seed = await h.seedTenant();
  const aborted = await openEventStream(base, { token: seed.access_token, tenantId: seed.tenant_id });
  await aborted.until((events) => events.some((event) => event.event === 'ready'), 'ready');
  aborted.close();
  const open = await openEventStream(base, { token: seed.access_token, tenantId: seed.tenant_id });
  await open.until((events) => events.some((event) => event.event === 'ready'), 'ready');
  const { port } = new URL(base);
  const unused = net.createConnection({ host: '127.0.0.1', port: Number(port) });
  unused.on('error', () => undefined);
  await once(unused, 'connect');
  await expect.poll(() => h.app.eventStreams.openCount).toBe(1);
  await expect.poll(connections).toBeGreaterThanOrEqual(2);

  const unusedClosed = once(unused, 'close');
  expect(await within(h.app.close(), 10_000)).toBe('done');
  expect(await within(unusedClosed, 5000)).toBe('done');
  await open.untilEnded();
  expect(namedEvent(open.events, 'closing')).toEqual({ reason: 'shutdown' });
});
