import { z } from 'zod';
import { EventAcceptedOutSchema, EventBatchInSchema, EventInSchema } from './events.js';
import { ErrorBodySchema } from './errors.js';

/**
 * The ingest service's routes, described as data so the ingest serves them
 * and the api's OpenAPI document lists them from the same schemas.
 */
export const IngestEventRoute = {
  method: 'post',
  path: '/api/v1/events',
  summary: 'Send one event; 202 once it and its deliveries are committed',
  tag: 'Ingest',
  auth: 'ingest',
  service: 'ingest',
  body: EventInSchema,
  responses: {
    202: { description: 'Accepted: stored durably and queued.', schema: EventAcceptedOutSchema },
    200: { description: 'A duplicate event_id: nothing new is sent.', schema: EventAcceptedOutSchema },
  },
} as const;

export const EventBatchResultSchema = z.union([EventAcceptedOutSchema, ErrorBodySchema]);

export const IngestBatchRoute = {
  method: 'post',
  path: '/api/v1/events/batch',
  summary: 'Send up to 500 events; each is accepted or refused on its own',
  tag: 'Ingest',
  auth: 'ingest',
  service: 'ingest',
  body: EventBatchInSchema,
  responses: {
    202: {
      description: 'One result per event, in order: accepted (as for one event) or the error that refused it.',
      schema: z.object({ results: z.array(EventBatchResultSchema) }),
    },
  },
} as const;
