/**
 * The inbox in Chromium (docs/inbox.md#tests): 200 % zoom, IME composition in the composer, and the loading skeletons.
 * Skipped without /usr/bin/chromium, never under CI=true.
 *
 * 200 % zoom is what a browser's zoom does to layout: a 1280 × 800 window at 200 % lays the page out in 640 × 400 CSS
 * px with two device pixels per CSS pixel (WCAG 1.4.4 and 1.4.10 ask that it still works, without sideways
 * scrolling). Pinch zoom (a page scale factor) would only magnify an unchanged layout, so it tests nothing here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CDPSession, Locator, Page } from 'playwright-core';
import { chromiumAvailable } from '../support/chromium.js';
import { createDraft } from '../support/factories.js';
import { botReceived, seriousViolations, signIn, startInboxWorld, telegramConversation, type InboxWorld } from '../support/inbox-browser.js';

const available = chromiumAvailable();
const ZOOMED = { viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 };

/** How far the page scrolls sideways: 0 when nothing is wider than the window. */
const sidewaysOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** The control's box after scrolling it into view: inside the window on both axes, and not covered by something else. */
async function reachable(page: Page, control: Locator): Promise<string | null> {
  await control.scrollIntoViewIfNeeded();
  const box = await control.boundingBox();
  const viewport = page.viewportSize()!;
  if (!box) return 'not rendered';
  // Scroll offsets are whole pixels and boxes are not: a pixel of tolerance.
  if (box.x < -1 || box.y < -1 || box.x + box.width > viewport.width + 1 || box.y + box.height > viewport.height + 1) {
    return `outside the window: ${JSON.stringify(box)}`;
  }
  const onTop = await control.evaluate((element) => {
    const rect = element.getBoundingClientRect();
    const hit = document.elementFromPoint(rect.x + rect.width / 2, rect.y + rect.height / 2);
    return hit !== null && (element === hit || element.contains(hit));
  });
  return onTop ? null : 'covered by another element';
}

describe.skipIf(!available)('the inbox in Chromium: zoom, IME and loading', () => {
  let world: InboxWorld;
  beforeAll(async () => {
    world = await startInboxWorld();
  });
  afterAll(async () => world?.close());

  it(
    'works at 200 % zoom: nothing scrolls sideways, the list, the thread controls and the composer are usable, axe finds nothing serious',
    { timeout: 240_000 },
    async () => {
      const seed = await world.h.seedTenant({ conversations: 6 });
      const { conversationId, botToken } = await telegramConversation(world, seed, 'Where is my parcel? It was due on Monday.');
      await createDraft(world.h, seed, conversationId, 'It left our warehouse this morning.');
      const context = await world.browser.newContext(ZOOMED);
      const page = await context.newPage();
      await signIn(page, world.base, seed);
      expect(await page.evaluate(() => [innerWidth, devicePixelRatio])).toEqual([640, 2]);

      const problems: Record<string, string | number | null> = {};
      const list = page.getByRole('navigation', { name: 'Conversation list' });
      problems['list sideways'] = await sidewaysOverflow(page);
      problems['list axe'] = (await seriousViolations(page)).join('; ') || null;
      problems['search'] = await reachable(page, list.getByRole('searchbox', { name: 'Search conversations' }));
      problems['channel'] = await reachable(page, list.getByRole('combobox', { name: 'Channel' }));
      problems['account'] = await reachable(page, page.getByRole('button', { name: 'Account', exact: true }));
      const row = list.getByRole('link', { name: 'Mehmet Kaya', exact: true });
      problems['row'] = await reachable(page, row);
      await row.click();
      await page.waitForURL(new RegExp(`/c/${conversationId}$`));

      const thread = page.getByRole('main', { name: 'Mehmet Kaya' });
      const log = thread.getByRole('log', { name: 'Messages' });
      await expect.poll(() => thread.getByRole('region', { name: 'AI suggestion' }).count()).toBe(1);
      await expect.poll(() => log.getByRole('article').count()).toBe(1);
      problems['thread sideways'] = await sidewaysOverflow(page);
      problems['thread axe'] = (await seriousViolations(page)).join('; ') || null;
      for (const name of ['Back to conversations', 'Pause AI agent', 'Block customer', 'Customer details', 'Send suggestion', 'Attach file', 'Send']) {
        problems[name] = await reachable(page, thread.getByRole('button', { name, exact: true }));
      }
      // The message log keeps at least half the window's height, and its newest message shows in it.
      await log.scrollIntoViewIfNeeded();
      const logScroll = log.locator('xpath=..');
      problems['log height'] = (await logScroll.evaluate((element) => element.clientHeight)) >= 200 ? null : 'under half the window';
      problems['newest message'] = await reachable(page, log.getByRole('article').last());

      const message = thread.getByRole('form', { name: 'Reply' }).getByRole('textbox', { name: 'Message' });
      problems['message box'] = await reachable(page, message);
      await message.fill('It should arrive tomorrow.');
      await message.press('Enter');
      await expect.poll(() => botReceived(world, botToken), { timeout: 15_000 }).toContain('It should arrive tomorrow.');

      // The block dialog fits the zoomed window: its fields and buttons are reachable, nothing sideways.
      await thread.getByRole('button', { name: 'Block customer', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Block customer' });
      for (const name of ['Reason', 'Duration']) problems[`dialog ${name}`] = await reachable(page, dialog.getByRole('combobox', { name }));
      problems['dialog Block'] = await reachable(page, dialog.getByRole('button', { name: 'Block', exact: true }));
      problems['dialog sideways'] = await sidewaysOverflow(page);
      await page.keyboard.press('Escape');

      await thread.getByRole('button', { name: 'Back to conversations', exact: true }).click();
      await expect.poll(() => list.isVisible()).toBe(true);
      expect(problems).toEqual(Object.fromEntries(Object.keys(problems).map((key) => [key, key.endsWith('sideways') ? 0 : null])));
      await context.close();
    },
  );

  it('never sends on Enter during IME composition, and sends the composed text on Enter after it ends', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 3 });
    const { conversationId, botToken } = await telegramConversation(world, seed, 'Konnichiwa');
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${conversationId}`);
    const thread = page.getByRole('main', { name: 'Mehmet Kaya' });
    const message = thread.getByRole('form', { name: 'Reply' }).getByRole('textbox', { name: 'Message' });
    const log = thread.getByRole('log', { name: 'Messages' });
    await expect.poll(() => log.getByRole('article').count()).toBe(1);
    await message.focus();
    const sends = countSends(page, conversationId);
    const cdp = await context.newCDPSession(page);

    // The IME composes "にほんご" and Enter picks the candidate. An IME consumes that key: the page sees a keydown with
    // keyCode 229 and isComposing, and no keypress (so no line break); nothing may be sent.
    const events = await recordComposition(page);
    await cdp.send('Input.imeSetComposition', { text: 'にほんご', selectionStart: 4, selectionEnd: 4 });
    await imeEnter(cdp);
    // A browser that passes the Enter through as a plain key while composing: still isComposing, still no send.
    await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13 });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13 });
    await cdp.send('Input.insertText', { text: '日本語' });
    expect(await events()).toEqual(['compositionstart', 'keydown Enter 229 composing', 'keydown Enter 13 composing', 'compositionend']);
    expect(await message.inputValue()).toBe('日本語');

    // Safari's order: compositionend first, then the IME's Enter as keyCode 229 without isComposing. Not a send either.
    await cdp.send('Input.imeSetComposition', { text: 'です', selectionStart: 2, selectionEnd: 2 });
    await cdp.send('Input.insertText', { text: 'です' });
    await imeEnter(cdp);
    expect((await events()).slice(4)).toEqual(['compositionstart', 'compositionend', 'keydown Enter 229']);
    expect(await message.inputValue()).toBe('日本語です');
    expect(sends()).toBe(0);

    // Composition over: Enter sends the composed text.
    await page.keyboard.press('Enter');
    await expect.poll(() => botReceived(world, botToken), { timeout: 15_000 }).toEqual(['日本語です']);
    await expect.poll(() => message.inputValue()).toBe('');
    expect(sends()).toBe(1);
    await context.close();
  });

  it('shows skeletons shaped like rows and messages while the list and a thread load, then the content', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 6 });
    const { conversationId } = await telegramConversation(world, seed, 'Is my order on its way?');
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);

    const listPage = holdRequests(page, (url) => url.pathname === '/api/v1/conversations');
    await page.reload();
    const list = page.getByRole('navigation', { name: 'Conversation list' });
    const listScroll = page.locator('.list-scroll');
    await expect.poll(() => listScroll.getAttribute('aria-busy')).toBe('true');
    expect(await list.getByRole('status').textContent()).toBe('Loading conversations…');
    const skeletonRows = page.locator('.skeleton-row');
    expect(await skeletonRows.count()).toBe(8);
    expect(await page.locator('.rows.skeleton').getAttribute('aria-hidden')).toBe('true');
    const placeholder = await shapeOf(skeletonRows.first());
    expect(placeholder.children).toEqual(['avatar', 'lines 2']);
    // Nothing to page through before the first page.
    expect(await list.getByRole('button', { name: 'Load more conversations' }).count()).toBe(0);
    listPage.release();
    const row = list.getByRole('listitem').first();
    await expect.poll(() => row.count()).toBe(1);
    expect(await listScroll.getAttribute('aria-busy')).toBeNull();
    expect(await skeletonRows.count()).toBe(0);
    // A placeholder takes the room of the row it stands for, so the list does not jump when the rows arrive.
    expect(Math.abs((await row.boundingBox())!.height - placeholder.height)).toBeLessThanOrEqual(4);

    const messages = holdRequests(page, (url) => url.pathname === `/api/v1/conversations/${conversationId}/messages`);
    await list.getByRole('link', { name: 'Mehmet Kaya', exact: true }).click();
    const thread = page.getByRole('main', { name: 'Mehmet Kaya' });
    const logScroll = page.locator('.log-scroll');
    await expect.poll(() => logScroll.getAttribute('aria-busy')).toBe('true');
    expect(await thread.getByRole('status').filter({ hasText: 'Loading messages…' }).count()).toBe(1);
    const bubbles = logScroll.locator('.skeleton-bubble');
    expect(await bubbles.count()).toBe(5);
    // Customer bubbles on the left, ours on the right, as messages are laid out.
    const scrollBox = (await logScroll.boundingBox())!;
    const sides = [];
    for (const bubble of await bubbles.all()) {
      const box = (await bubble.boundingBox())!;
      sides.push(box.x - scrollBox.x < scrollBox.x + scrollBox.width - (box.x + box.width) ? 'left' : 'right');
    }
    expect(sides).toEqual(['left', 'right', 'left', 'right', 'left']);
    messages.release();
    const log = thread.getByRole('log', { name: 'Messages' });
    await expect.poll(() => log.getByRole('article').count()).toBe(1);
    await expect.poll(() => logScroll.getAttribute('aria-busy')).toBeNull();
    expect(await bubbles.count()).toBe(0);
    await context.close();
  });
});

/** Holds the page's API requests that `matches` until `release()`: the loading state stays on screen to be inspected. */
function holdRequests(page: Page, matches: (url: URL) => boolean): { release(): void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  void page.route(
    (url) => matches(url),
    async (route) => {
      await released;
      await route.continue();
    },
  );
  return { release };
}

/** A skeleton row's height and what it holds: its avatar and how many text lines. */
async function shapeOf(row: Locator): Promise<{ height: number; children: string[] }> {
  return {
    height: (await row.boundingBox())!.height,
    children: await row.evaluate((element) =>
      [...element.children].map((child) => (child.classList.contains('avatar') ? 'avatar' : `lines ${child.querySelectorAll('.skeleton-line').length}`)),
    ),
  };
}

/** The Enter an IME consumes to confirm a candidate: keyCode 229 (VK_PROCESSKEY) and no character. */
async function imeEnter(cdp: CDPSession): Promise<void> {
  await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 229 });
  await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 229 });
}

/** Counts the page's POSTs of messages to the conversation. */
function countSends(page: Page, conversationId: number): () => number {
  let count = 0;
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === `/api/v1/conversations/${conversationId}/messages`) count++;
  });
  return () => count;
}

/** Records the composer's composition events and Enter keydowns (with isComposing), to show what the browser did. */
async function recordComposition(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { composition: string[] }).composition = seen;
    const box = document.getElementById('message')!;
    box.addEventListener('compositionstart', () => seen.push('compositionstart'));
    box.addEventListener('compositionend', () => seen.push('compositionend'));
    box.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') seen.push(`keydown Enter ${event.keyCode}${event.isComposing ? ' composing' : ''}`);
    });
  });
  return () => page.evaluate(() => (window as unknown as { composition: string[] }).composition);
}
