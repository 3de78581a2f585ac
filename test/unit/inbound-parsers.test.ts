/**
 * What each provider event means (docs/channels.md#what-each-event-means): the payloads of the spec's examples,
 * split as the webhook stores them, then parsed into provider-neutral actions. Pure functions, no database.
 */
import { describe, expect, it } from 'vitest';
import { whatsAppContact, whatsAppDelivery as metaDelivery } from '../support/webhooks.js';
import { parseInboundEvent } from '../../src/modules/inbound/parse-inbound.js';
import { splitWhatsAppDelivery, whatsAppPhoneNumberIds } from '../../src/modules/inbound/providers/whatsapp.js';
import { instagramAccountIds, splitInstagramDelivery } from '../../src/modules/inbound/providers/instagram.js';
import { telegramUpdateAddress, telegramUpdateId } from '../../src/modules/inbound/providers/telegram.js';
import { locationText, splitName } from '../../src/modules/inbound/providers/wire.js';
import type { InboundMessage } from '../../src/modules/inbound/inbound-event.js';

const PHONE_NUMBER_ID = '106540352242922';
const WAMID = 'wamid.HBgMOTA1MzIxMjM0NTY3FQIAEhggQTRFMDk5';

/** The spec's inbound text delivery, with Meta's \u escapes, parsed from its raw text. */
const SPEC_TEXT_DELIVERY = JSON.parse(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{
  "messaging_product":"whatsapp",
  "metadata":{"display_phone_number":"15551234567","phone_number_id":"106540352242922"},
  "contacts":[{"profile":{"name":"Ay\\u015fe Y\\u0131lmaz"},"wa_id":"905321234567"}],
  "messages":[{"from":"905321234567","id":"wamid.HBgMOTA1MzIxMjM0NTY3FQIAEhggQTRFMDk5","timestamp":"1764010800",
    "type":"text","text":{"body":"Merhaba, sipari\\u015fim nerede?"}}]}}]}]}`);

/** A delivery of the spec's phone number with Ayşe's contact card and these messages. */
function whatsAppDelivery(messages: unknown[], extra: Record<string, unknown> = {}) {
  return metaDelivery(PHONE_NUMBER_ID, { contacts: [whatsAppContact()], messages, ...extra });
}

/** Splits as the webhook does and parses each stored payload as the job does. */
function whatsApp(delivery: Record<string, unknown>) {
  return splitWhatsAppDelivery(delivery).flatMap((event) => parseInboundEvent('whatsapp', event.payload));
}

function whatsAppMessage(fields: Record<string, unknown>): InboundMessage {
  const [action, ...rest] = whatsApp(whatsAppDelivery([{ from: '905321234567', id: WAMID, timestamp: '1764010860', ...fields }]));
  expect(rest).toEqual([]);
  expect(action!.kind).toBe('message');
  return action as InboundMessage;
}

describe('WhatsApp', () => {
  it('splits the spec text delivery into message:<wamid>, addressed +<wa_id>, and reads it as a text message', () => {
    expect(whatsAppPhoneNumberIds(SPEC_TEXT_DELIVERY)).toEqual([PHONE_NUMBER_ID]);
    const [event] = splitWhatsAppDelivery(SPEC_TEXT_DELIVERY);
    expect(event!.eventKey).toBe(`message:${WAMID}`);
    expect(event!.routingKey).toBe(PHONE_NUMBER_ID);
    expect(event!.address).toBe('+905321234567');
    expect(parseInboundEvent('whatsapp', event!.payload)).toEqual([
      {
        kind: 'message',
        address: '+905321234567',
        profile: { firstName: 'Ayşe', lastName: 'Yılmaz', username: null, phone: '+905321234567', avatarUrl: null },
        providerMessageId: WAMID,
        providerTimestamp: new Date('2025-11-24T19:00:00Z'),
        quotedProviderMessageId: null,
        echo: false,
        messageType: 'text',
        text: 'Merhaba, siparişim nerede?',
        metadata: {},
        media: null,
      },
    ]);
  });

  it('splits the profile name at the first space only', () => {
    expect(splitName('Ayşe Nur Yılmaz')).toEqual({ firstName: 'Ayşe', lastName: 'Nur Yılmaz' });
    expect(splitName('Cher')).toEqual({ firstName: 'Cher', lastName: null });
    expect(splitName('  ')).toEqual({ firstName: null, lastName: null });
    const message = whatsAppMessage({ type: 'text', text: { body: 'hi' } });
    expect(message.profile.firstName).toBe('Ayşe');
  });

  it('reads the spec image with caption, replying to an earlier message', () => {
    const message = whatsAppMessage({
      type: 'image',
      context: { from: '15551234567', id: 'wamid.HBgMOTA1prev' },
      image: { id: '1039485766252812', mime_type: 'image/jpeg', sha256: 'c2f1', caption: 'This one arrived broken' },
    });
    expect(message).toMatchObject({
      messageType: 'image',
      text: 'This one arrived broken',
      quotedProviderMessageId: 'wamid.HBgMOTA1prev',
      media: { source: 'whatsapp', mediaId: '1039485766252812', mimeType: 'image/jpeg', filename: null },
    });
  });

  it('maps video, audio and voice notes, documents with their filename, and stickers', () => {
    expect(whatsAppMessage({ type: 'video', video: { id: 'v1', mime_type: 'video/mp4' } })).toMatchObject({
      messageType: 'video',
      text: null,
      media: { mediaId: 'v1' },
    });
    expect(whatsAppMessage({ type: 'audio', audio: { id: 'a1', mime_type: 'audio/ogg; codecs=opus', voice: true } })).toMatchObject({
      messageType: 'audio',
      media: { mediaId: 'a1', mimeType: 'audio/ogg; codecs=opus' },
    });
    expect(
      whatsAppMessage({ type: 'document', document: { id: 'd1', mime_type: 'application/pdf', filename: 'invoice.pdf', caption: 'Invoice' } }),
    ).toMatchObject({
      messageType: 'document',
      text: 'Invoice',
      media: { source: 'whatsapp', mediaId: 'd1', mimeType: 'application/pdf', filename: 'invoice.pdf' },
    });
    expect(whatsAppMessage({ type: 'sticker', sticker: { id: 's1', mime_type: 'image/webp', animated: false } })).toMatchObject({
      messageType: 'sticker',
      text: null,
      media: { mediaId: 's1' },
    });
  });

  it('writes locations as "<name>, <address> (<latitude>, <longitude>)", leaving absent parts out', () => {
    const full = whatsAppMessage({
      type: 'location',
      location: { latitude: 41.0082, longitude: 28.9784, name: 'Zebrafoot Store', address: 'İstiklal Cd. 10, İstanbul' },
    });
    expect(full).toMatchObject({
      messageType: 'location',
      text: 'Zebrafoot Store, İstiklal Cd. 10, İstanbul (41.0082, 28.9784)',
      metadata: { location: { latitude: 41.0082, longitude: 28.9784, name: 'Zebrafoot Store', address: 'İstiklal Cd. 10, İstanbul' } },
      media: null,
    });
    expect(whatsAppMessage({ type: 'location', location: { latitude: 41.0082, longitude: 28.9784 } })).toMatchObject({
      text: '(41.0082, 28.9784)',
      metadata: { location: { latitude: 41.0082, longitude: 28.9784, name: null, address: null } },
    });
    expect(locationText({ latitude: 1, longitude: 2, name: null, address: 'Main St' })).toBe('Main St (1, 2)');
  });

  it('writes contacts as "<formatted name>: <phone>, <phone>", one message per card', () => {
    const card = (name: string, phones: string[]) => ({
      name: { formatted_name: name, first_name: name.split(' ')[0] },
      phones: phones.map((phone) => ({ phone, type: 'CELL' })),
    });
    const actions = whatsApp(
      whatsAppDelivery([
        {
          from: '905321234567',
          id: WAMID,
          timestamp: '1764010860',
          type: 'contacts',
          contacts: [card('Mehmet Kaya', ['+90 532 000 11 22', '+90 212 000 33 44']), card('Ali Veli', [])],
        },
      ]),
    );
    expect(
      actions.map((action) => [
        (action as InboundMessage).providerMessageId,
        (action as InboundMessage).messageType,
        (action as InboundMessage).text,
        (action as InboundMessage).metadata,
      ]),
    ).toEqual([
      [
        WAMID,
        'contact',
        'Mehmet Kaya: +90 532 000 11 22, +90 212 000 33 44',
        { contact: { name: 'Mehmet Kaya', phones: ['+90 532 000 11 22', '+90 212 000 33 44'] } },
      ],
      [`${WAMID}#1`, 'contact', 'Ali Veli', { contact: { name: 'Ali Veli', phones: [] } }],
    ]);
  });

  it('reads button and list replies, and template quick-reply buttons, as text with their title', () => {
    expect(whatsAppMessage({ type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes, ship it' } } })).toMatchObject({
      messageType: 'text',
      text: 'Yes, ship it',
    });
    expect(
      whatsAppMessage({ type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'size-42', title: 'Size 42', description: 'EU' } } }),
    ).toMatchObject({
      messageType: 'text',
      text: 'Size 42',
    });
    expect(whatsAppMessage({ type: 'button', button: { payload: 'STOP', text: 'Stop promotions' } })).toMatchObject({
      messageType: 'text',
      text: 'Stop promotions',
    });
  });

  it('maps unsupported and unknown types to unsupported with the provider type, and no text', () => {
    for (const type of ['unsupported', 'order', 'system', 'brand_new_type']) {
      expect(whatsAppMessage({ type, [type]: {} })).toMatchObject({ messageType: 'unsupported', text: null, media: null, metadata: { provider_type: type } });
    }
    expect(whatsAppMessage({ type: 'image', image: {} })).toMatchObject({ messageType: 'unsupported', metadata: { provider_type: 'image' } });
  });

  it('reads a reaction as a reaction on the target message (removed: null emoji), not a new message', () => {
    const react = whatsApp(
      whatsAppDelivery([{ from: '905321234567', id: 'wamid.r1', timestamp: '1764010900', type: 'reaction', reaction: { message_id: WAMID, emoji: '👍' } }]),
    );
    expect(react).toEqual([{ kind: 'reaction', address: '+905321234567', providerMessageId: WAMID, emoji: '👍', at: new Date(1764010900 * 1000) }]);
    const removed = whatsApp(
      whatsAppDelivery([{ from: '905321234567', id: 'wamid.r2', timestamp: '1764010901', type: 'reaction', reaction: { message_id: WAMID } }]),
    );
    expect(removed).toMatchObject([{ kind: 'reaction', emoji: null }]);
  });

  it('reads statuses under status:<wamid>:<status>, a failure with "<code>: <title>"', () => {
    const delivery = whatsAppDelivery([], {
      statuses: [
        {
          id: 'wamid.HBgMOTA1MzIxMjM0NTY3FQIAERgSQjQ5',
          status: 'delivered',
          timestamp: '1764010900',
          recipient_id: '905321234567',
          conversation: { id: '6f2b', origin: { type: 'service' } },
        },
        {
          id: 'wamid.x',
          status: 'failed',
          timestamp: '1764010901',
          recipient_id: '905321234567',
          errors: [{ code: 131047, title: 'Re-engagement message', message: '…' }],
        },
        { id: 'wamid.y', status: 'read', timestamp: '1764010902', recipient_id: '905321234567' },
        { id: 'wamid.z', status: 'deleted', timestamp: '1764010903', recipient_id: '905321234567' },
      ],
    });
    expect(splitWhatsAppDelivery(delivery).map((event) => [event.eventKey, event.address])).toEqual([
      ['status:wamid.HBgMOTA1MzIxMjM0NTY3FQIAERgSQjQ5:delivered', '+905321234567'],
      ['status:wamid.x:failed', '+905321234567'],
      ['status:wamid.y:read', '+905321234567'],
      ['status:wamid.z:deleted', '+905321234567'],
    ]);
    expect(whatsApp(delivery)).toEqual([
      { kind: 'status', providerMessageId: 'wamid.HBgMOTA1MzIxMjM0NTY3FQIAERgSQjQ5', status: 'delivered', failureReason: null },
      { kind: 'status', providerMessageId: 'wamid.x', status: 'failed', failureReason: '131047: Re-engagement message' },
      { kind: 'status', providerMessageId: 'wamid.y', status: 'read', failureReason: null },
    ]);
  });

  it('ignores other fields, errors, and messages without an id or sender, and never throws on odd input', () => {
    const delivery = whatsAppDelivery([{ id: 'wamid.nofrom', type: 'text', text: { body: 'x' } }, { from: '905321234567', type: 'text' }, 'junk', null], {
      errors: [{ code: 1 }],
    });
    (delivery.entry as Array<{ changes: unknown[] }>)[0]!.changes.push({
      field: 'account_update',
      value: { metadata: { phone_number_id: '1' }, messages: [{ from: '1', id: 'm' }] },
    });
    expect(splitWhatsAppDelivery(delivery)).toEqual([]);
    for (const odd of [null, 42, 'text', [], {}, { messages: 'x' }, { messages: [{ from: 5, id: {} }] }])
      expect(parseInboundEvent('whatsapp', odd)).toEqual([]);
  });
});

const ACCOUNT = '17841400000000001';
const IGSID = '6701234567890123';
const MID = 'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx';

function instagram(items: unknown[]) {
  const delivery = { object: 'instagram', entry: [{ id: ACCOUNT, time: 1764010800123, messaging: items }] };
  return splitInstagramDelivery(delivery).map((event) => ({
    key: event.eventKey,
    address: event.address,
    actions: parseInboundEvent('instagram', event.payload),
  }));
}

function igMessage(message: Record<string, unknown>, sender = IGSID, recipient = ACCOUNT) {
  return { sender: { id: sender }, recipient: { id: recipient }, timestamp: 1764010800000, message: { mid: MID, ...message } };
}

describe('Instagram', () => {
  it('reads the spec text message under message:<mid>, addressed by the IGSID', () => {
    expect(instagramAccountIds({ entry: [{ id: ACCOUNT }, { id: ACCOUNT }, { id: {} }] })).toEqual([ACCOUNT]);
    expect(instagram([igMessage({ text: 'Do you have these in size 42?' })])).toEqual([
      {
        key: `message:${MID}`,
        address: IGSID,
        actions: [
          {
            kind: 'message',
            address: IGSID,
            profile: { firstName: null, lastName: null, username: null, phone: null, avatarUrl: null },
            providerTimestamp: new Date(1764010800000),
            quotedProviderMessageId: null,
            echo: false,
            providerMessageId: MID,
            messageType: 'text',
            text: 'Do you have these in size 42?',
            metadata: {},
            media: null,
          },
        ],
      },
    ]);
  });

  it('makes one message per attachment: <mid>, <mid>#1 …, files by URL, file → document', () => {
    const [event] = instagram([
      igMessage({
        attachments: [
          { type: 'image', payload: { url: 'https://cdn.example/1.jpg' } },
          { type: 'video', payload: { url: 'https://cdn.example/2.mp4' } },
          { type: 'audio', payload: { url: 'https://cdn.example/3.m4a' } },
          { type: 'file', payload: { url: 'https://cdn.example/4.pdf' } },
        ],
      }),
    ]);
    expect(event!.key).toBe(`message:${MID}`);
    expect(
      event!.actions.map((action) => [(action as InboundMessage).providerMessageId, (action as InboundMessage).messageType, (action as InboundMessage).media]),
    ).toEqual([
      [MID, 'image', { source: 'url', url: 'https://cdn.example/1.jpg', mimeType: null, filename: null }],
      [`${MID}#1`, 'video', { source: 'url', url: 'https://cdn.example/2.mp4', mimeType: null, filename: null }],
      [`${MID}#2`, 'audio', { source: 'url', url: 'https://cdn.example/3.m4a', mimeType: null, filename: null }],
      [`${MID}#3`, 'document', { source: 'url', url: 'https://cdn.example/4.pdf', mimeType: null, filename: null }],
    ]);
  });

  it('turns shares, story mentions and reels into text with their link', () => {
    for (const type of ['share', 'story_mention', 'ig_reel', 'reel']) {
      const [event] = instagram([igMessage({ attachments: [{ type, payload: { url: `https://lookaside.example/${type}` } }] })]);
      expect(event!.actions).toMatchObject([{ kind: 'message', messageType: 'text', text: `https://lookaside.example/${type}`, media: null }]);
    }
  });

  it('reads reply_to as the quoted message, is_unsupported as unsupported', () => {
    expect(instagram([igMessage({ text: 'this one', reply_to: { mid: 'mid.earlier' } })])[0]!.actions).toMatchObject([
      { quotedProviderMessageId: 'mid.earlier', text: 'this one' },
    ]);
    expect(instagram([igMessage({ is_unsupported: true })])[0]!.actions).toMatchObject([
      { messageType: 'unsupported', text: null, metadata: { provider_type: 'unsupported' } },
    ]);
  });

  it('reads an echo as a message of the business in the conversation of the recipient', () => {
    const [event] = instagram([igMessage({ text: 'Sent from the Instagram app', is_echo: true, app_id: 1217981644879628 }, ACCOUNT, IGSID)]);
    expect(event!.key).toBe(`message:${MID}`);
    expect(event!.address).toBe(IGSID);
    expect(event!.actions).toMatchObject([{ kind: 'message', address: IGSID, echo: true, text: 'Sent from the Instagram app', providerMessageId: MID }]);
  });

  it('reads a withdrawal under deleted:<mid>, a postback as text with its title, a read receipt as read', () => {
    const events = instagram([
      igMessage({ is_deleted: true }),
      { sender: { id: IGSID }, recipient: { id: ACCOUNT }, timestamp: 1764010801000, postback: { mid: 'mid.pb', title: 'Track my order', payload: 'TRACK' } },
      { sender: { id: IGSID }, recipient: { id: ACCOUNT }, timestamp: 1764010802000, read: { mid: 'mid.ours' } },
      { sender: { id: IGSID }, recipient: { id: ACCOUNT }, timestamp: 1764010803000, reaction: { mid: MID, action: 'react', emoji: '❤' } },
      { sender: { id: IGSID }, recipient: { id: ACCOUNT }, timestamp: 1764010804000, read: { watermark: 1764010804000 } },
    ]);
    expect(events.map((event) => event.key)).toEqual([`deleted:${MID}`, 'postback:mid.pb', 'read:mid.ours']);
    expect(events[0]!.actions).toEqual([{ kind: 'withdrawal', address: IGSID, providerMessageId: MID }]);
    expect(events[1]!.actions).toMatchObject([
      { kind: 'message', address: IGSID, providerMessageId: 'mid.pb', messageType: 'text', text: 'Track my order', echo: false },
    ]);
    expect(events[2]!.actions).toEqual([{ kind: 'status', providerMessageId: 'mid.ours', status: 'read', failureReason: null }]);
  });

  it('never throws on odd input', () => {
    for (const odd of [null, 1, 'x', [], {}, { message: {} }, { message: { mid: 5 } }, { postback: { mid: 'p' } }])
      expect(() => parseInboundEvent('instagram', odd)).not.toThrow();
    expect(parseInboundEvent('instagram', { postback: { mid: 'p', title: 'T' } })).toEqual([]);
  });
});

function telegram(update: Record<string, unknown>) {
  return parseInboundEvent('telegram', update);
}

const FROM = { id: 531234567, is_bot: false, first_name: 'Mehmet', last_name: 'Kaya', username: 'mkaya', language_code: 'tr' };
const CHAT = { id: 531234567, first_name: 'Mehmet', last_name: 'Kaya', username: 'mkaya', type: 'private' };

function telegramMessage(fields: Record<string, unknown>): InboundMessage {
  const [action, ...rest] = telegram({ update_id: 864201337, message: { message_id: 4711, from: FROM, chat: CHAT, date: 1764010800, ...fields } });
  expect(rest).toEqual([]);
  return action as InboundMessage;
}

describe('Telegram', () => {
  it('reads the spec update: the chat id as address, names and username from `from`', () => {
    const update = { update_id: 864201337, message: { message_id: 4711, from: FROM, chat: CHAT, date: 1764010800, text: 'Is the store open on Sunday?' } };
    expect(telegramUpdateId(update)).toBe('864201337');
    expect(telegramUpdateAddress(update)).toBe('531234567');
    expect(telegram(update)).toEqual([
      {
        kind: 'message',
        address: '531234567',
        profile: { firstName: 'Mehmet', lastName: 'Kaya', username: 'mkaya', phone: null, avatarUrl: null },
        providerMessageId: '531234567:4711',
        providerTimestamp: new Date(1764010800 * 1000),
        quotedProviderMessageId: null,
        echo: false,
        messageType: 'text',
        text: 'Is the store open on Sunday?',
        metadata: {},
        media: null,
      },
    ]);
  });

  it('takes the largest photo size, with the caption', () => {
    const photo = [
      { file_id: 'small', file_unique_id: 'a', width: 90, height: 67, file_size: 1200 },
      { file_id: 'large', file_unique_id: 'c', width: 1280, height: 960, file_size: 98000 },
      { file_id: 'medium', file_unique_id: 'b', width: 320, height: 240, file_size: 14000 },
    ];
    expect(telegramMessage({ photo, caption: 'Broken sole' })).toMatchObject({
      messageType: 'image',
      text: 'Broken sole',
      media: { source: 'telegram', fileId: 'large', mimeType: 'image/jpeg', filename: null },
    });
  });

  it('maps documents, video, audio, voice → audio, video notes → video, stickers', () => {
    expect(telegramMessage({ document: { file_id: 'doc', file_name: 'receipt.pdf', mime_type: 'application/pdf' }, caption: 'Receipt' })).toMatchObject({
      messageType: 'document',
      text: 'Receipt',
      media: { fileId: 'doc', filename: 'receipt.pdf', mimeType: 'application/pdf' },
    });
    expect(telegramMessage({ video: { file_id: 'vid', mime_type: 'video/mp4', duration: 3 } })).toMatchObject({
      messageType: 'video',
      media: { fileId: 'vid' },
    });
    expect(telegramMessage({ audio: { file_id: 'song', mime_type: 'audio/mpeg', file_name: 'a.mp3' } })).toMatchObject({
      messageType: 'audio',
      media: { fileId: 'song', filename: 'a.mp3' },
    });
    expect(telegramMessage({ voice: { file_id: 'voice', duration: 2, mime_type: 'audio/ogg' } })).toMatchObject({
      messageType: 'audio',
      text: null,
      media: { fileId: 'voice', mimeType: 'audio/ogg' },
    });
    expect(telegramMessage({ video_note: { file_id: 'round', length: 240, duration: 5 } })).toMatchObject({ messageType: 'video', media: { fileId: 'round' } });
    expect(telegramMessage({ sticker: { file_id: 'stk', width: 512, height: 512, is_animated: false, is_video: false, type: 'regular' } })).toMatchObject({
      messageType: 'sticker',
      text: null,
      media: { fileId: 'stk', mimeType: 'image/webp' },
    });
  });

  it('maps locations (venues with their title and address) and contacts', () => {
    expect(telegramMessage({ location: { latitude: 41.0082, longitude: 28.9784 } })).toMatchObject({
      messageType: 'location',
      text: '(41.0082, 28.9784)',
      metadata: { location: { latitude: 41.0082, longitude: 28.9784, name: null, address: null } },
    });
    expect(
      telegramMessage({
        location: { latitude: 41, longitude: 29 },
        venue: { location: { latitude: 41, longitude: 29 }, title: 'Zebrafoot', address: 'Kadıköy' },
      }),
    ).toMatchObject({
      text: 'Zebrafoot, Kadıköy (41, 29)',
    });
    expect(telegramMessage({ contact: { phone_number: '+905321112233', first_name: 'Ali', last_name: 'Veli', user_id: 1 } })).toMatchObject({
      messageType: 'contact',
      text: 'Ali Veli: +905321112233',
      metadata: { contact: { name: 'Ali Veli', phones: ['+905321112233'] } },
    });
  });

  it('reads reply_to_message as the quoted message, and other content as unsupported with its kind', () => {
    expect(telegramMessage({ text: 'this', reply_to_message: { message_id: 4700, chat: CHAT, date: 1 } })).toMatchObject({
      quotedProviderMessageId: '531234567:4700',
    });
    expect(telegramMessage({ poll: { id: 'p', question: 'Q?' } })).toMatchObject({
      messageType: 'unsupported',
      text: null,
      metadata: { provider_type: 'poll' },
    });
  });

  it('reads edited_message as an edit of the stored message', () => {
    const update = {
      update_id: 2,
      edited_message: { message_id: 4711, from: FROM, chat: CHAT, date: 1764010800, edit_date: 1764010900, text: 'Is the store open on Saturday?' },
    };
    expect(telegramUpdateAddress(update)).toBe('531234567');
    expect(telegram(update)).toEqual([{ kind: 'edit', address: '531234567', providerMessageId: '531234567:4711', text: 'Is the store open on Saturday?' }]);
  });

  it('ignores groups, channels, callback queries and other kinds of update', () => {
    const group = { update_id: 3, message: { message_id: 1, from: FROM, chat: { id: -100123, title: 'Fans', type: 'supergroup' }, date: 1, text: 'hi' } };
    expect(telegram(group)).toEqual([]);
    expect(telegramUpdateAddress(group)).toBeNull();
    expect(telegram({ update_id: 4, channel_post: { message_id: 1, chat: { id: -1001, type: 'channel' }, date: 1, text: 'x' } })).toEqual([]);
    expect(telegram({ update_id: 5, callback_query: { id: 'q', from: FROM, data: 'x' } })).toEqual([]);
    expect(telegram({ update_id: 6, my_chat_member: { chat: CHAT, from: FROM } })).toEqual([]);
    for (const odd of [null, 'x', [], {}, { message: { chat: CHAT } }]) expect(parseInboundEvent('telegram', odd)).toEqual([]);
    expect(telegramUpdateId({ update_id: '7' })).toBeNull();
  });
});
