export { createPrismaClient, Prisma, ApiKeyScope, AttemptStatus, DeliveryKind, DeliveryStatus } from './client.js';
export type {
  CreatePrismaClientOptions,
  PrismaClient,
  Tenant,
  ApiKey,
  EventType,
  Endpoint,
  Event,
  Delivery,
  Attempt,
  Session,
} from './client.js';
export {
  DEFAULT_DATABASE_URL,
  ensureDatabase,
  applyMigrations,
  databaseExists,
  databaseNameOf,
  migrationsDir,
  quoteIdent,
  withClient,
  withDatabase,
} from './migrate.js';
export type { ApplyMigrationsResult } from './migrate.js';
export { createTenant, findTenant, listTenants, updateTenant } from './tenants.repo.js';
export type { NewApiKey, TenantChanges } from './tenants.repo.js';
export { findActiveApiKeyByDigest, isApiKeyActive, touchApiKeyIfDue } from './api-keys.repo.js';
export { createSession, deleteSession, findActiveSessionByDigest } from './sessions.repo.js';
export type { ActiveSession, NewSession } from './sessions.repo.js';
export type { ActiveApiKey } from './api-keys.repo.js';
export { createEventType, eventTypeCursorKey, findEventTypes, listEventTypes, parseEventTypeCursorKey } from './event-types.repo.js';
export type { EventTypeCursor, NewEventType } from './event-types.repo.js';
export {
  createEndpoint,
  deleteEndpoint,
  disableEndpoint,
  findEndpoint,
  emailRecipients,
  findIngestTargets,
  listEndpoints,
} from './endpoints.repo.js';
export type { EndpointFilter, EndpointKeyPair, FanOutTarget, IngestTarget, IngestTargets, NewEndpoint } from './endpoints.repo.js';
export { changeEndpoint, endpointHourly, endpointStats, findEndpointsByIds, rotateEndpointSecret } from './endpoints.repo.js';
export type { ChangeEndpointOutcome, EndpointChanges, EndpointHour, EndpointStats, SecretRotation } from './endpoints.repo.js';
export { checkIngestGuard, insertEvents } from './events.repo.js';
export type { GuardFailure, IngestGuard, InsertEventsOutcome, NewDelivery, NewEvent, StoredEvent } from './events.repo.js';
export {
  deliveryPageQuery,
  finishDelivery,
  listDeliveries,
  loadDeliveryContexts,
  loadDeliveryEndpoints,
  loadDeliveryStates,
  loadEmailDeliveryContexts,
  scanPendingDeliveries,
} from './deliveries.repo.js';
export type {
  DeliveryContext,
  DeliveryEndpoint,
  DeliveryFilter,
  DeliveryKey,
  DeliveryState,
  DeliveryUpdate,
  EmailDeliveryContext,
  NewAttempt,
  PendingDelivery,
} from './deliveries.repo.js';
export { createAttemptSqlPool, updateEndpointOutcomes, writeAttempts } from './attempt-batches.repo.js';
export type { AttemptRecord, EndpointOutcome } from './attempt-batches.repo.js';
export { createApiKey, listApiKeys, revokeApiKey } from './api-keys.repo.js';
export type { RevokeApiKeyOutcome } from './api-keys.repo.js';
export { deleteEventType, updateEventType } from './event-types.repo.js';
export type { DeleteEventTypeOutcome, EventTypeChanges } from './event-types.repo.js';
export { listEndpointAttempts, recordTestSend } from './attempts.repo.js';
export type { AttemptWithEventType, TestSend } from './attempts.repo.js';
export { findDeliveryDetail, findEventWithDeliveries, previewReplay, REPLAYABLE, replayDeliveries, replayDelivery, replaySample } from './outbox.repo.js';
export type { DeliveryDetail, ReplayedDelivery, ReplayFilter, ReplayOptions, ReplayOutcome, ReplayPreview } from './outbox.repo.js';
export { createSqlPool, withTransaction } from './sql.js';
export type { CreateSqlPoolOptions, Queryable, Sql } from './sql.js';
export { insertBackfillDeliveries, scanBackfillCandidates } from './backfill.repo.js';
export type { BackfillCandidate, BackfilledDelivery } from './backfill.repo.js';
export { mustWaitForTurn, passTurn } from './order.repo.js';
export {
  claimFailingNotices,
  claimRecoveries,
  countDeadDeliveries,
  emitOperationalEvent,
  takeClosedDeadWindows,
} from './operational-events.repo.js';
export type { ClaimedRun, ClosedDeadWindow, DeadCount, EmitOptions, EmittedEvent, OperationalNotice } from './operational-events.repo.js';
export { oldestRetainedAt, pruneFinishedDeliveries, pruneUnheldEvents } from './retention.repo.js';
export type { EventCursor, PrunableStatus, PrunedRows } from './retention.repo.js';
