export { createPrismaClient, Prisma, ApiKeyScope, AttemptStatus, DeliveryStatus } from './client.js';
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
} from './client.js';
export {
  DEFAULT_DATABASE_URL,
  ensureDatabase,
  applyMigrations,
  createTestDatabase,
  databaseNameOf,
  withDatabase,
} from './migrate.js';
export type { ApplyMigrationsResult, TestDatabase } from './migrate.js';
export { decodeCursor, encodeCursor, toPage } from './pagination.js';
export { createTenant, listTenants } from './tenants.repo.js';
export type { NewApiKey } from './tenants.repo.js';
export { findActiveApiKeyByDigest } from './api-keys.repo.js';
export { createEventType, eventTypeCursorKey, findEventTypes, listEventTypes } from './event-types.repo.js';
export type { NewEventType } from './event-types.repo.js';
export {
  createEndpoint,
  deleteEndpoint,
  disableEndpoint,
  filtersSelecting,
  findEndpoint,
  findEndpointRateLimit,
  findFanOutTargets,
  listEndpoints,
} from './endpoints.repo.js';
export type { DisabledReason, EndpointFilter, FanOutTarget, NewEndpoint } from './endpoints.repo.js';
export { insertEvents } from './events.repo.js';
export type { NewEvent, StoredEvent } from './events.repo.js';
export {
  finishDelivery,
  listAttemptsOfDelivery,
  listDeliveries,
  loadDeliveryContext,
  recordAttempt,
} from './deliveries.repo.js';
export type { DeliveryContext, DeliveryFilter, DeliveryUpdate, NewAttempt } from './deliveries.repo.js';
