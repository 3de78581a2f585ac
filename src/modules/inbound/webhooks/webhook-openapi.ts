/**
 * The OpenAPI description of the provider webhooks (docs/channels.md#inbound-webhooks). Documentation only: the
 * handlers read and check the raw bytes themselves (the app's validator compiler accepts everything).
 */
const TAGS = ['Provider webhooks'];

const acknowledged = {
  description: 'Stored (or ignored: a foreign `object`, no live channel for it, a switched-off channel).',
  type: 'object',
  properties: { status: { type: 'string', enum: ['ok'] } },
};

const errorEnvelope = (description: string) => ({
  description,
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
});

const deliveryResponses = (unauthorized: string) => ({
  200: acknowledged,
  400: errorEnvelope('Malformed JSON or UTF-8.'),
  401: errorEnvelope(unauthorized),
  413: errorEnvelope('Body over 1 MiB.'),
  503: errorEnvelope('The server is shutting down; nothing was stored (the provider retries).'),
});

const PROVIDER_NAMES = { whatsapp: 'WhatsApp Cloud API', instagram: 'Instagram' } as const;

export function metaHandshakeSchema(type: 'whatsapp' | 'instagram') {
  return {
    tags: TAGS,
    summary: `${PROVIDER_NAMES[type]} verification handshake`,
    description: `Meta calls this when the webhook is set up. With \`hub.mode=subscribe\` and the \`verify_token\` of a live ${type} channel, the answer is the \`hub.challenge\` as text/plain; anything else is 403 \`Forbidden\`.`,
    querystring: {
      type: 'object',
      properties: { 'hub.mode': { type: 'string' }, 'hub.verify_token': { type: 'string' }, 'hub.challenge': { type: 'string' } },
    },
    response: { 200: { description: 'The challenge, as sent.', type: 'string' }, 403: { description: '`Forbidden`', type: 'string' } },
  };
}

export function metaDeliverySchema(type: 'whatsapp' | 'instagram') {
  return {
    tags: TAGS,
    summary: `${PROVIDER_NAMES[type]} events`,
    description: `Every ${type} channel of every tenant, routed by ${type === 'whatsapp' ? '`metadata.phone_number_id`' : '`entry[].id` (the account id)'}. \`X-Hub-Signature-256\` must be the HMAC-SHA256 of the raw body with the \`app_secret\` of every channel the delivery reaches. Each event is stored with its processing job before the 200; a redelivery is stored once.`,
    headers: { type: 'object', properties: { 'x-hub-signature-256': { type: 'string', description: '`sha256=<64 hex>`' } } },
    response: deliveryResponses('Missing or wrong `X-Hub-Signature-256`: "Invalid webhook signature."'),
  };
}

export const telegramDeliverySchema = {
  tags: TAGS,
  summary: 'Telegram updates',
  description:
    "One URL per Telegram channel (its `webhook_url`). `X-Telegram-Bot-Api-Secret-Token` must equal the channel's `secret_token`. The update is stored with its processing job before the 200; a redelivery is stored once.",
  params: { type: 'object', properties: { channelId: { type: 'integer', description: 'The Telegram channel.' } } },
  headers: { type: 'object', properties: { 'x-telegram-bot-api-secret-token': { type: 'string' } } },
  response: deliveryResponses('Unknown channel, not a Telegram channel, or a missing or wrong secret: "Invalid webhook secret."'),
};
