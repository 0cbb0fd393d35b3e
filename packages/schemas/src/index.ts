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
export {
  ApiKeyScopeSchema,
  KEY_SCOPES,
  TenantCreatedOutSchema,
  TenantInSchema,
  TenantOutSchema,
  TenantParamsSchema,
  TenantPatchSchema,
} from './tenants.js';
export type { ApiKeyScope, TenantCreatedOut, TenantIn, TenantOut, TenantPatch } from './tenants.js';
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
  MAX_ATTEMPTS_LIMIT,
  MAX_ENDPOINT_URL_LENGTH,
  MAX_TIMEOUT_MS,
  SECRET_WARNING,
  BODY_FORMATS,
  DEFAULT_SIGNATURE,
  HMAC_ENCODINGS,
  SIGNATURE_SCHEMES,
  SignatureInSchema,
  SignatureSchema,
} from './endpoints.js';
export type {
  BodyFormat,
  EndpointCreatedOut,
  EndpointIn,
  EndpointOut,
  EndpointPatch,
  EndpointSignature,
  SignatureIn,
  SignatureScheme,
} from './endpoints.js';
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
  EndpointAttemptsQuerySchema,
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
export {
  ENVELOPE_V1,
  ENVELOPE_V2,
  ENVELOPE_VERSIONS,
  envelopeVersion,
  EnvelopeSchema,
  EventAcceptedOutSchema,
  EventBatchInSchema,
  EventInSchema,
  LATEST_ENVELOPE_VERSION,
  MAX_BATCH_EVENTS,
  SchemaVersionOutSchema,
  schemaVersionsOut,
} from './events.js';
export type { Envelope, EnvelopeContext, EnvelopeEvent, EnvelopeSource, EnvelopeVersion, EventAcceptedOut, EventIn, SchemaVersionOut } from './events.js';
export { DeliverJobSchema, INLINE_PAYLOAD_MAX_CHARS, InlineEventSchema } from './jobs.js';
export type { DeliverJob, InlineEvent } from './jobs.js';
export {
  AttemptDetailOutSchema,
  DeliveryDetailOutSchema,
  DeliveryOutSchema,
  DeliveryStatusSchema,
  EventDetailOutSchema,
  OutboxQuerySchema,
  BackfillInSchema,
  BackfillOutSchema,
  DRY_RUN_SAMPLE,
  REPLAY_DEFAULT_CAP,
  ReplayDryRunOutSchema,
  ReplayedOutSchema,
  ReplayFilterInSchema,
  ReplayPreviewOutSchema,
  ReplayPreviewQuerySchema,
} from './deliveries.js';
export type { BackfillIn, BackfillOut, DeliveryDetailOut, DeliveryOut, ReplayDryRunOut, ReplayPreviewOut } from './deliveries.js';
export { ERROR_STATUS, ErrorBodySchema } from './errors.js';
export type { ErrorBody, ErrorCode } from './errors.js';
export { EventBatchResultSchema, IngestBatchRoute, IngestEventRoute } from './ingest-routes.js';
export { API_KEY_WARNING, ApiKeyCreatedOutSchema, ApiKeyInSchema, ApiKeyOutSchema, ApiKeyRevokedOutSchema } from './api-keys.js';
export type { ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut, ApiKeyRevokedOut } from './api-keys.js';
export { EventTypeCheckInSchema, EventTypeCheckOutSchema, EventTypeDeletedOutSchema } from './event-types.js';
export type { EventTypeCheckIn, EventTypeCheckOut, EventTypeDeletedOut } from './event-types.js';
export { SessionEndedOutSchema, SessionInSchema, SessionOutSchema } from './sessions.js';
export type { SessionEndedOut, SessionIn, SessionOut } from './sessions.js';
export { ChannelQuerySchema, ChannelsInSchema, CHANNEL_NAME, channelProblems, matchesChannels, MAX_CHANNELS, normalizeChannels } from './channels.js';
export { deliveryOrderingKey, ORDERING_KEY, OrderingInSchema, OrderingKeyInSchema, orderingKeyProblem, ORDERINGS } from './ordering.js';
export type { Ordering } from './ordering.js';
export {
  DELIVERY_KINDS,
  DeliveryKindSchema,
  EMAIL_MAX_ATTEMPTS,
  EMAIL_NOT_CONFIGURED,
  EmailAddressInSchema,
  EmailAddressSchema,
  EventTypeEmailSchema,
  isOperationalEventType,
  MAX_EMAIL_SUBSCRIBERS,
  OPERATIONAL_EVENT_PREFIX,
  OPERATIONAL_EVENT_TYPES,
  SettingsOutSchema,
  SettingsPatchSchema,
} from './notifications.js';
export type { DeliveryKind, EventTypeEmail, OperationalEventType, OperationalPayload, SettingsOut, SettingsPatch } from './notifications.js';
