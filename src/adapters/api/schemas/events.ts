// What the event routes answer: a ticket, and the Server-Sent Events stream with its resume header.
import { z } from 'zod';
import { instant } from './problem.ts';

export const ticketSchema = z.object({
  ticket: z.string().describe('single use: GET /api/events?ticket=…'),
  expiresAt: instant,
});

/** Last-Event-ID as EventSource sends it on reconnect; other headers pass through untouched. */
export const eventHeadersSchema = z.looseObject({
  'last-event-id': z
    .string()
    .optional()
    .describe('the id of the last event received: the stream replays every event after it'),
});

export const eventStreamResponse = {
  description:
    'text/event-stream: `id:` (the event id), `event:` (run:started, run:finished, tick:recorded …), ' +
    '`data:` (JSON); `event: revoked` and the end of the stream when the token is revoked',
  content: { 'text/event-stream': { schema: z.string() } },
};
