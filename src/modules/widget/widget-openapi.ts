/**
 * The OpenAPI description of the widget API (docs/channels.md#website-widget). Documentation only: the handlers
 * validate with the API's rules and messages (the app's validator compiler accepts everything).
 */
const tags = ['Website widget'];
const visitorAuth = 'Authorization: `Bearer <visitor_token>` (from `POST /widget/v1/sessions`).';

const error = (description: string) => ({ description, type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } });

const widgetMessage = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    is_customer: { type: 'boolean' },
    message: { type: 'string', nullable: true, description: 'Plain text: never to be rendered as HTML.' },
    file: {
      type: 'object',
      nullable: true,
      properties: {
        name: { type: 'string' },
        mime_type: { type: 'string' },
        size: { type: 'integer' },
        url: { type: 'string', description: 'A signed link.' },
      },
    },
    created_at: { type: 'string', format: 'date-time' },
  },
};

const visitorErrors = {
  401: error('The visitor token is invalid or has expired.'),
  403: error('This origin is not allowed for this widget.'),
  422: error('Validation failed.'),
  429: error('Too many requests (`Retry-After`).'),
};

const session = {
  type: 'object',
  properties: {
    visitor_token: { type: 'string' },
    expires_at: { type: 'string', format: 'date-time' },
    channel: { type: 'object', properties: { name: { type: 'string' }, greeting: { type: 'string', nullable: true }, color: { type: 'string' } } },
  },
};

export const widgetSchemas = {
  sessions: {
    tags,
    summary: 'Start or resume a visitor session',
    description: 'No token. A `visitor_token` still valid for this widget key resumes its session (200); otherwise a new one starts (201).',
    body: {
      type: 'object',
      required: ['widget_key'],
      properties: { widget_key: { type: 'string' }, visitor_token: { type: 'string' }, name: { type: 'string', maxLength: 255 }, email: { type: 'string' } },
    },
    response: { 200: session, 201: session, 404: error('Widget not found.'), 403: visitorErrors[403], 422: visitorErrors[422], 429: visitorErrors[429] },
  },
  listMessages: {
    tags,
    summary: "The visitor's conversation",
    description: `${visitorAuth} Oldest first: at most 100 after \`after_id\`, or without it the newest 100. Our messages returned become \`delivered\`.`,
    querystring: { type: 'object', properties: { after_id: { type: 'integer' } } },
    response: { 200: { type: 'object', properties: { data: { type: 'array', items: widgetMessage } } }, ...visitorErrors },
  },
  sendMessage: {
    tags,
    summary: 'Send a message as the visitor',
    description: `${visitorAuth} The message enters the inbound pipeline (blacklist and flood rules included).`,
    body: { type: 'object', required: ['message'], properties: { message: { type: 'string', maxLength: 5000 } } },
    response: { 201: { type: 'object', properties: { data: widgetMessage } }, ...visitorErrors },
  },
  read: {
    tags,
    summary: 'Mark our messages read',
    description: `${visitorAuth} Our messages up to \`up_to_id\` become \`read\`.`,
    body: { type: 'object', required: ['up_to_id'], properties: { up_to_id: { type: 'integer' } } },
    response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } }, ...visitorErrors },
  },
  stream: {
    tags,
    summary: 'Server-Sent Events of the conversation',
    description:
      'The visitor token goes in `?token=` (EventSource sends no headers). Each new message is `event: message`, `id: <message id>`, `data: <WidgetMessage>`; `: ping` every 25 s; `Last-Event-ID` (or `?last_event_id=`) replays the messages after that id.',
    querystring: { type: 'object', required: ['token'], properties: { token: { type: 'string' }, last_event_id: { type: 'integer' } } },
    response: { 200: { description: '`text/event-stream`', type: 'string' }, ...visitorErrors },
  },
};
