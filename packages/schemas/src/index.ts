export {
  EventTypeNameSchema,
  IsoTimestampOut,
  isStorableTime,
  JsonObjectSchema,
  ListQuerySchema,
  pageSchema,
  TIMESTAMP_RANGE,
  TimestampSchema,
} from './common.js';
export type { ListQuery, Page } from './common.js';
export { ApiKeyScopeSchema, KEY_SCOPES, TenantCreatedOutSchema, TenantInSchema, TenantOutSchema } from './tenants.js';
export type { ApiKeyScope, TenantCreatedOut, TenantIn, TenantOut } from './tenants.js';
export { EventTypeInSchema, EventTypeOutSchema, EventTypePatchSchema, TEST_EVENT_TYPE } from './event-types.js';
export type { EventTypeIn, EventTypeOut, EventTypePatch } from './event-types.js';
export {
  EndpointCreatedOutSchema,
  EndpointHeadersSchema,
  EndpointInSchema,
  EndpointOutSchema,
  EndpointListQuerySchema,
  EndpointPatchSchema,
  EndpointUrlSchema,
  EventFilterSchema,
  filtersSelecting,
  matchesEventType,
  MAX_ENDPOINT_URL_LENGTH,
  SECRET_WARNING,
} from './endpoints.js';
export type { EndpointCreatedOut, EndpointIn, EndpointOut, EndpointPatch } from './endpoints.js';
export {
  AttemptStatusSchema,
  ENDPOINT_BULK_MAX_IDS,
  EndpointAttemptOutSchema,
  EndpointBulkInSchema,
  EndpointBulkOutSchema,
  EndpointBulkResultSchema,
  EndpointDeletedOutSchema,
  EndpointHourlyOutSchema,
  EndpointHourlyQuerySchema,
  EndpointHourOutSchema,
  EndpointParamsSchema,
  MAX_HOURLY_BUCKETS,
  EndpointStatsOutSchema,
  EndpointStatsQuerySchema,
  EndpointTestInSchema,
  EndpointTestOutSchema,
  ItemErrorSchema,
  MAX_SECRET_OVERLAP_SECONDS,
  RotateSecretInSchema,
  RotateSecretOutSchema,
  StatsWindowSchema,
  windowMs,
} from './endpoints.js';
export type {
  EndpointAttemptOut,
  EndpointBulkIn,
  EndpointBulkOut,
  EndpointBulkResult,
  EndpointDeletedOut,
  EndpointHourlyOut,
  EndpointHourOut,
  EndpointStatsOut,
  EndpointTestIn,
  EndpointTestOut,
  ItemError,
  RotateSecretIn,
  RotateSecretOut,
} from './endpoints.js';
export { envelopeBody, EnvelopeSchema, EventAcceptedOutSchema, EventBatchInSchema, EventInSchema, MAX_BATCH_EVENTS } from './events.js';
export type { Envelope, EnvelopeEvent, EventAcceptedOut, EventIn } from './events.js';
export { DeliverJobSchema, INLINE_PAYLOAD_MAX_CHARS, InlineEventSchema } from './jobs.js';
export type { DeliverJob, InlineEvent } from './jobs.js';
export {
  AttemptDetailOutSchema,
  DeliveryDetailOutSchema,
  DeliveryOutSchema,
  DeliveryStatusSchema,
  EventDetailOutSchema,
  OutboxQuerySchema,
  ReplayedOutSchema,
  ReplayFilterInSchema,
  ReplayPreviewOutSchema,
  ReplayPreviewQuerySchema,
} from './deliveries.js';
export type { DeliveryDetailOut, DeliveryOut, ReplayPreviewOut } from './deliveries.js';
export { ERROR_STATUS, ErrorBodySchema } from './errors.js';
export type { ErrorBody, ErrorCode } from './errors.js';
export { EventBatchResultSchema, IngestBatchRoute, IngestEventRoute } from './ingest-routes.js';
export { API_KEY_WARNING, ApiKeyCreatedOutSchema, ApiKeyInSchema, ApiKeyOutSchema, ApiKeyRevokedOutSchema } from './api-keys.js';
export type { ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut, ApiKeyRevokedOut } from './api-keys.js';
export { EventTypeCheckInSchema, EventTypeCheckOutSchema, EventTypeDeletedOutSchema } from './event-types.js';
export type { EventTypeCheckIn, EventTypeCheckOut, EventTypeDeletedOut } from './event-types.js';
export { SessionEndedOutSchema, SessionInSchema, SessionOutSchema } from './sessions.js';
export type { SessionEndedOut, SessionIn, SessionOut } from './sessions.js';
