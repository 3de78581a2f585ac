/**
 * The inbox's thread in Chromium (docs/inbox.md#tests): message actions, attachments and the image preview, editing a
 * block and its held messages, editing the customer, a suggestion sent as is with take-over, WhatsApp's reply window.
 * Skipped without /usr/bin/chromium, never under CI=true.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from '../support/chromium.js';
import { createDraft } from '../support/factories.js';
import { conversationWithCustomer } from '../support/outbound.js';
import {
  botReceived,
  teamApi,
  customerWrites,
  seriousViolations,
  signIn,
  startInboxWorld,
  telegramConversation,
  type InboxWorld,
} from '../support/inbox-browser.js';

const available = chromiumAvailable();

describe.skipIf(!available)('the inbox in Chromium: the thread', () => {
  let world: InboxWorld;
  beforeAll(async () => {
    world = await startInboxWorld();
  });
  afterAll(async () => world?.close());

  it('edits a reply inline and deletes it through Message actions', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 1 });
    const { conversationId } = await telegramConversation(world, seed, 'Is the blue one in stock?');
    await teamApi(world, seed, 'POST', `/conversations/${conversationId}/messages`, { message: 'It is, in every size.' });
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${conversationId}`);
    const log = page.getByRole('log', { name: 'Messages' });
    const reply = log.getByRole('article').filter({ hasText: 'It is, in every size.' });
    await expect.poll(() => reply.count(), { timeout: 15_000 }).toBe(1);
    // The customer's message can be quoted or copied, not edited.
    await log.getByRole('article', { name: 'Message from Mehmet Kaya' }).getByRole('button', { name: 'Message actions' }).click();
    expect(await page.getByRole('menu', { name: 'Message actions' }).getByRole('menuitem').allTextContents()).toEqual(['Reply', 'Copy text', 'Delete']);
    await page.keyboard.press('Escape');

    await reply.getByRole('button', { name: 'Message actions' }).click();
    await page.getByRole('menuitem', { name: 'Edit', exact: true }).click();
    // In edit mode the text is in the textbox (the article no longer shows it as text).
    const editor = log.getByRole('article').filter({ has: page.getByRole('textbox', { name: 'Edit message' }) });
    await editor.getByRole('textbox', { name: 'Edit message' }).fill('It is, in sizes 38 to 44.');
    await editor.getByRole('button', { name: 'Save', exact: true }).click();
    const edited = log.getByRole('article').filter({ hasText: 'It is, in sizes 38 to 44.' });
    await expect.poll(() => edited.textContent()).toContain('(edited)');

    await edited.getByRole('button', { name: 'Message actions' }).click();
    await page.getByRole('menuitem', { name: 'Delete', exact: true }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete message?' });
    expect(await confirm.textContent()).toContain('The message stays in the conversation, marked as deleted. The customer keeps their copy.');
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => edited.textContent()).toMatch(/Deleted by .+/);
    const messages = await teamApi(world, seed, 'GET', `/conversations/${conversationId}/messages`);
    expect(messages.data.find((message: { message: string }) => message.message === 'It is, in sizes 38 to 44.')).toMatchObject({
      is_edited: true,
      is_deleted: true,
    });
    await context.close();
  });

  it('sends a file with its caption through "Attach file", with a chip and "Remove attachment"', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 1 });
    const { conversationId, botToken } = await telegramConversation(world, seed, 'Can you send me the size chart?');
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${conversationId}`);
    const composer = page.getByRole('form', { name: 'Reply' });
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    const choose = async () => {
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), composer.getByRole('button', { name: 'Attach file', exact: true }).click()]);
      await chooser.setFiles({ name: 'size-chart.png', mimeType: 'image/png', buffer: png });
    };
    await choose();
    await expect.poll(() => composer.textContent()).toContain('size-chart.png (70 B)');
    await composer.getByRole('button', { name: 'Remove attachment', exact: true }).click();
    expect(await composer.textContent()).not.toContain('size-chart.png');
    await choose();
    await composer.getByRole('textbox', { name: 'Message' }).fill('Here is the chart.');
    await composer.getByRole('button', { name: 'Send', exact: true }).click();
    const log = page.getByRole('log', { name: 'Messages' });
    const open = log.getByRole('button', { name: 'Open image size-chart.png', exact: true });
    await expect.poll(() => open.count(), { timeout: 15_000 }).toBe(1);
    expect(await log.getByRole('article').filter({ hasText: 'Here is the chart.' }).count()).toBe(1);
    await open.click();
    const preview = page.getByRole('dialog', { name: 'Image preview' });
    await expect.poll(() => preview.getByRole('img', { name: 'size-chart.png' }).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await preview.getByRole('button', { name: 'Zoom in', exact: true }).click();
    await expect.poll(() => preview.getByRole('img').evaluate((image) => (image as HTMLElement).style.transform)).toBe('scale(1.5)');
    await page.keyboard.press('Escape');
    await expect.poll(() => preview.count()).toBe(0);
    // Focus returns to the button that opened it.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Open image size-chart.png');
    await world.h.drainJobs();
    await expect
      .poll(async () => {
        await world.h.drainJobs();
        return world.telegram.calls('telegram:sendPhoto').filter((call) => call.path === `/bot${botToken}/sendPhoto`).length;
      })
      .toBe(1);
    await context.close();
  });

  it('edits a block and shows the messages it held back', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 1 });
    const { conversationId, channelId, chatId } = await telegramConversation(world, seed, 'You are useless!');
    const conversation = (await teamApi(world, seed, 'GET', `/conversations/${conversationId}`)).data;
    await teamApi(world, seed, 'POST', '/channel-blacklists', {
      channel_id: channelId,
      customer_id: conversation.customer.id,
      reason: 'manual',
      ttl_seconds: 3600,
    });
    await customerWrites(world, channelId, chatId, 'Let me in!');
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${conversationId}`);
    const status = page.getByRole('group', { name: 'Block status' });
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toMatch(/Blocked on Zebrafoot bot: Manual · (1 hour|\d+ minutes) left/);

    await status.getByRole('button', { name: 'Edit block', exact: true }).click();
    const edit = page.getByRole('dialog', { name: 'Edit block' });
    expect(await edit.getByRole('combobox', { name: 'Duration' }).inputValue()).toBe('keep');
    await edit.getByRole('combobox', { name: 'Reason' }).selectOption({ label: 'Abusive language' });
    await edit.getByRole('combobox', { name: 'Duration' }).selectOption({ label: 'Permanent' });
    await edit.getByRole('textbox', { name: 'Note' }).fill('Insults in chat');
    expect(await seriousViolations(page)).toEqual([]);
    await edit.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => status.textContent()).toContain('Blocked on Zebrafoot bot: Abusive language · permanently');
    expect(await status.textContent()).toContain('Insults in chat');

    await status.getByRole('button', { name: 'View held messages', exact: true }).click();
    const held = page.getByRole('dialog', { name: 'Held messages' });
    await expect.poll(() => held.textContent()).toContain('Let me in!');
    expect(await seriousViolations(page)).toEqual([]);
    await held.getByRole('button', { name: 'Close', exact: true }).click();
    await expect.poll(() => held.count()).toBe(0);
    // The held message never reached the thread.
    expect(await page.getByRole('log', { name: 'Messages' }).textContent()).not.toContain('Let me in!');
    await context.close();
  });

  it("edits the customer in the panel, with the API's 422 messages under their fields", { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 1 });
    const { conversationId } = await telegramConversation(world, seed, 'Please update my details.');
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${conversationId}`);
    const panel = page.getByRole('complementary', { name: 'Customer details' });
    await panel.getByRole('button', { name: 'Edit customer', exact: true }).click({ timeout: 15_000 });
    await panel.getByRole('textbox', { name: 'Email' }).fill('not-an-email');
    await panel.getByRole('button', { name: 'Save customer', exact: true }).click();
    await expect.poll(() => panel.textContent()).toContain('The email field must be a valid email address.');
    await panel.getByRole('textbox', { name: 'Email' }).fill('mehmet@example.test');
    await panel.getByRole('textbox', { name: 'First name' }).fill('Mehmet Ali');
    await panel.getByRole('textbox', { name: 'Job' }).fill('Architect');
    expect(await seriousViolations(page)).toEqual([]);
    await panel.getByRole('button', { name: 'Save customer', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { level: 2, name: 'Mehmet Ali Kaya' }).count()).toBeGreaterThan(0);
    await expect.poll(() => panel.textContent()).toContain('Architect');
    expect(await panel.textContent()).toContain('mehmet@example.test');
    expect(await panel.getByRole('heading', { name: 'AI activity' }).count()).toBe(1);
    const customer = (await teamApi(world, seed, 'GET', `/conversations/${conversationId}`)).data.customer;
    expect([customer.first_name, customer.last_name]).toEqual(['Mehmet Ali', 'Kaya']);
    await context.close();
  });

  it('sends a suggestion as is with "Take over from the AI": the agent stays paused until resumed', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 1 });
    const { conversationId, botToken } = await telegramConversation(world, seed, 'Hello');
    await createDraft(world.h, seed, conversationId, 'Hello! How can I help you today?');
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${conversationId}`);
    const suggestion = page.getByRole('region', { name: 'AI suggestion' });
    await suggestion.getByRole('checkbox', { name: 'Take over from the AI' }).check({ timeout: 15_000 });
    await suggestion.getByRole('button', { name: 'Send suggestion', exact: true }).click();
    await expect.poll(() => botReceived(world, botToken), { timeout: 15_000 }).toEqual(['Hello! How can I help you today?']);
    await expect.poll(() => suggestion.count()).toBe(0);
    await expect.poll(() => page.getByRole('group', { name: 'AI agent' }).textContent()).toMatch(/Paused by .+ until resumed/);
    // The panel lists it among the sent suggestions, with the text that went out.
    const panel = page.getByRole('complementary', { name: 'Customer details' });
    await expect.poll(() => panel.getByRole('heading', { name: 'Sent suggestions' }).count()).toBe(1);
    expect(await panel.textContent()).toContain('Hello! How can I help you today?');
    await context.close();
  });

  it('shows the reply window of a WhatsApp conversation: closed disables the composer, closing soon warns', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 0 });
    const now = world.h.clock.now().getTime();
    const closed = await conversationWithCustomer(world.h, seed, 'whatsapp', '+905320000001', new Date(now - 25 * 3600_000));
    const closing = await conversationWithCustomer(world.h, seed, 'whatsapp', '+905320000002', new Date(now - 23.5 * 3600_000));
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${closed}`);
    const window = page.getByRole('status', { name: 'Reply window' });
    await expect.poll(() => window.textContent(), { timeout: 15_000 }).toMatch(/^The 24-hour reply window closed at .+\. The customer has to write first\.$/);
    expect(await page.getByRole('textbox', { name: 'Message' }).isDisabled()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${closing}`);
    await expect.poll(() => window.textContent(), { timeout: 15_000 }).toMatch(/^Reply window closes in \d+ minutes?\.$/);
    expect(await page.getByRole('textbox', { name: 'Message' }).isDisabled()).toBe(false);
    await context.close();
  });

  it('keeps a draft per conversation: moving away and back restores it, sending removes it', { timeout: 240_000 }, async () => {
    const seed = await world.h.seedTenant({ conversations: 2 });
    const { conversationId } = await telegramConversation(world, seed, 'Do you deliver on Saturdays?');
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, world.base, seed);
    await page.goto(`${world.base}/app/t/${seed.tenant_id}/c/${conversationId}`);
    const message = page.getByRole('textbox', { name: 'Message' });
    await message.fill('Half a reply');
    await page.keyboard.press('Escape');
    await page.keyboard.press('j');
    await expect.poll(() => page.url()).not.toContain(`/c/${conversationId}`);
    await expect.poll(() => message.inputValue()).toBe('');
    await page.keyboard.press('k');
    await expect.poll(() => page.url()).toContain(`/c/${conversationId}`);
    await expect.poll(() => message.inputValue()).toBe('Half a reply');
    await message.press('Enter');
    await expect.poll(() => page.evaluate((key) => localStorage.getItem(key), `flextell.inbox.draft.${seed.tenant_id}.${conversationId}`)).toBeNull();
    await context.close();
  });
});
