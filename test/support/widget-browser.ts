import type { Socket } from 'node:net';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import type { Harness } from './harness.js';
import type { SeedResult } from '../../src/modules/demo/seed.js';

/** The widget browser test's view of the team side: the public API over real HTTP with the seed's Owner token. */
export class TeamApi {
  constructor(
    private readonly h: Harness,
    private readonly base: string,
    private readonly seed: SeedResult,
  ) {}

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; json: any }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.seed.access_token}`, 'x-tenant': String(this.seed.tenant_id) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.base}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
  }

  async createWebsiteChannel(settings: Record<string, unknown>): Promise<{ id: number; widgetKey: string }> {
    const created = await this.call('POST', '/channels', { type: 'website', name: 'Zebrafoot Shop', address: 'shop.zebrafoot.example', settings });
    expect(created.status, created.text).toBe(201);
    return { id: created.json.data.id, widgetKey: created.json.data.settings.widget_key };
  }

  /** The inbox row of the channel's only conversation, once the visitor's message has been processed (jobs drained). */
  async conversationOf(channelId: number, lastMessage: string): Promise<any> {
    let row: any;
    await expect
      .poll(
        async () => {
          await this.h.drainJobs();
          const list = await this.call('GET', '/conversations?per_page=100');
          row = list.json.data.find((conversation: any) => conversation.channel.id === channelId);
          return row?.last_message;
        },
        { timeout: 10_000 },
      )
      .toBe(lastMessage);
    return row;
  }

  async reply(conversationId: number, message: string): Promise<number> {
    const sent = await this.call('POST', `/conversations/${conversationId}/messages`, { message });
    expect(sent.status, sent.text).toBe(200);
    await this.h.drainJobs();
    return Number(sent.json.data.message_id);
  }

  async deliveryStatus(conversationId: number, messageId: number): Promise<string | undefined> {
    await this.h.drainJobs();
    const page = await this.call('GET', `/conversations/${conversationId}/messages?per_page=100`);
    const message = page.json.data.find((item: { id: number }) => item.id === messageId);
    return message ? JSON.parse(message.metadata).delivery_status : undefined;
  }
}

/** The sockets of the open streams under `pathPrefix` on the test server, so a test can cut them as a network loss would. */
export function trackStreams(h: Harness, pathPrefix = '/widget/v1/stream'): { cut(): number } {
  const sockets = new Set<Socket>();
  h.app.server.on('request', (request) => {
    if (request.url?.startsWith(pathPrefix)) {
      sockets.add(request.socket);
      request.socket.once('close', () => sockets.delete(request.socket));
    }
  });
  return {
    cut() {
      const count = sockets.size;
      for (const socket of sockets) socket.destroy();
      return count;
    },
  };
}

/** Where keyboard focus is inside the widget's shadow root: the focused element's class or id, null when it is outside. */
export function focusedInWidget(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const host = document.activeElement;
    if (host?.tagName !== 'FLEXTELL-CHAT') return null;
    const inner = host.shadowRoot?.activeElement;
    return inner ? inner.id || inner.className : 'host';
  });
}
