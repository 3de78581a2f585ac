/** How GET /api/v1/events is described in the OpenAPI document: a text/event-stream answer and its resume header. */
export const eventStreamResponse = {
  description:
    'A text/event-stream: `retry: 3000`, `event: ready` (head, oldest kept id, heartbeat period), then blocks `id: <event id>` `event: <type>` `data: <Event as JSON>`; `: ping` comments; `event: reset` and `event: closing` as documented.',
  content: { 'text/event-stream': { schema: { type: 'string', example: 'id: 1042\nevent: message.created\ndata: {"id":1042,"type":"message.created"}\n\n' } } },
};

export const LAST_EVENT_ID_HEADER = {
  'last-event-id': {
    type: 'string',
    pattern: '^[0-9]{1,19}$',
    description: 'The id of the last event received: the stream resumes after it (wins over `after`). Empty is absent.',
  },
};
