export { EventTypeNameSchema, JsonObjectSchema, ListQuerySchema, TimestampSchema } from './common.js';
export type { ListQuery, Page } from './common.js';
export { ApiKeyScopeSchema, TenantInSchema } from './tenants.js';
export type { ApiKeyScope, TenantCreatedOut, TenantIn, TenantOut } from './tenants.js';
export { EventTypeInSchema, EventTypePatchSchema, TEST_EVENT_TYPE } from './event-types.js';
export type { EventTypeIn, EventTypeOut, EventTypePatch } from './event-types.js';
export {
  EndpointHeadersSchema,
  EndpointInSchema,
  EndpointListQuerySchema,
  EndpointPatchSchema,
  EventFilterSchema,
  matchesEventType,
  SECRET_WARNING,
} from './endpoints.js';
export type { EndpointCreatedOut, EndpointIn, EndpointOut, EndpointPatch } from './endpoints.js';
export { envelopeBody, EventBatchInSchema, EventInSchema, MAX_BATCH_EVENTS } from './events.js';
export type { Envelope, EventAcceptedOut, EventIn } from './events.js';
export { DeliverJobSchema } from './jobs.js';
export type { DeliverJob } from './jobs.js';
