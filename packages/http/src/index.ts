export { ANSWER_BUCKETS, createHttpApp } from './create-http-app.js';
export type { HttpAppOptions } from './create-http-app.js';
export { errorHandler, notFoundHandler, sendError, toAppError, zodDetails } from './error-handler.js';
export { boundPort, closeServer, listen, runMain } from './lifecycle.js';
export { answerClientError } from './client-errors.js';
export type { Stop } from './lifecycle.js';
export { createMetricsRegistry, metricsHandler } from './metrics.js';
export { readinessHandler } from './readiness.js';
export type { ReadinessCheck } from './readiness.js';
export { requestContext, requestLog } from './request-context.js';
export type { RequestDurations } from './request-context.js';
export {
  authenticate,
  clearSessionCookie,
  confirmPrincipal,
  CSRF_HEADER,
  csrfTokenFor,
  principalOf,
  requireRootToken,
  requireScope,
  SESSION_COOKIE,
  sessionTokenOf,
  setSessionCookie,
} from './auth.js';
export { acceptBody, assertBodyAccepted, jsonBody, MAX_JSON_DEPTH, pathTooDeep, rawBodyText } from './json-body.js';
export type { ApiKeyLookup, Principal, SessionLookup } from './auth.js';
export { RouteTable } from './route-table.js';
export type { ResponseSpec, RouteAuth, RouteHandler, RouteInput, RouteSpec, RouteTableOptions } from './route-table.js';
export { buildOpenApiDocument } from './openapi.js';
export type { OpenApiInfo } from './openapi.js';
export { decodeCursor, encodeCursor, idCursorKey, toPage } from './pagination.js';
