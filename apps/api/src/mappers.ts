import type { ApiKey, Attempt, AttemptWithEventType, Delivery, Endpoint, EventType, Tenant } from '@herald/db';
import { isOperationalEventType, SignatureSchema, TEST_EVENT_TYPE, type ApiKeyOut, type BodyFormat, type Ordering, type DeliveryOut, type EndpointAttemptOut, type EndpointOut, type EventTypeOut, type TenantOut } from '@herald/schemas';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function tenantOut(t: Tenant): TenantOut {
  return { id: t.id, name: t.name, external_id: t.externalId, primary_contact_email: t.primaryContactEmail, created_at: t.createdAt.toISOString() };
}

export function eventTypeOut(e: EventType): EventTypeOut {
  return {
    name: e.name,
    description: e.description,
    schema: (e.schema as Record<string, unknown> | null) ?? null,
    email: { enabled: e.emailEnabled, subscribers: e.emailSubscribers },
    read_only: isBuiltInEventType(e.name),
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

/** Whether an event type is built in (webhook.test, Herald's herald.*): only its email settings may change. */
export function isBuiltInEventType(name: string): boolean {
  return name === TEST_EVENT_TYPE || isOperationalEventType(name);
}

export function endpointOut(e: Endpoint): EndpointOut {
  return {
    id: e.id,
    url: e.url,
    name: e.name,
    description: e.description,
    events: e.events,
    channels: e.channels,
    enabled: e.enabled,
    disabled_reason: e.disabledReason,
    timeout_ms: e.timeoutMs,
    max_attempts: e.maxAttempts,
    rate_limit_per_second: e.rateLimitPerSecond,
    headers: e.headers as Record<string, string>,
    metadata: e.metadata as Record<string, unknown>,
    signature: SignatureSchema.parse(e.signature),
    body: e.bodyFormat as BodyFormat,
    schema_version: e.schemaVersion,
    ordering: e.ordering as Ordering,
    signing_secret_prefix: e.secretPrefix,
    signing_public_key: e.signingPublicKey,
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
    last_delivery_at: iso(e.lastDeliveryAt),
    last_delivery_status: e.lastDeliveryStatus,
    last_response_status: e.lastResponseStatus,
  };
}

export function deliveryOut(d: Delivery): DeliveryOut {
  return {
    id: d.id,
    event_id: d.eventId,
    event_type: d.eventType,
    kind: d.kind,
    endpoint_id: d.endpointId,
    recipient: d.recipient,
    channels: d.channels,
    ordering_key: d.orderingKey,
    order_broken_by: d.orderBrokenBy,
    status: d.status,
    attempts: d.attempts,
    max_attempts: d.maxAttempts,
    next_attempt_at: iso(d.nextAttemptAt),
    last_response_status: d.lastResponseStatus,
    last_error: d.lastError,
    created_at: d.createdAt.toISOString(),
    delivered_at: iso(d.deliveredAt),
  };
}

/** A key as listed: the prefix only, never the key or its digest. */
export function apiKeyOut(k: ApiKey): ApiKeyOut {
  return {
    id: k.id,
    name: k.name,
    scope: k.scope,
    key_prefix: k.keyPrefix,
    created_at: k.createdAt.toISOString(),
    last_used_at: iso(k.lastUsedAt),
    revoked_at: iso(k.revokedAt),
  };
}

/** An attempt as listed per endpoint, with its delivery's event type. */
export function attemptOut(a: AttemptWithEventType): EndpointAttemptOut {
  return {
    id: a.id,
    delivery_id: a.deliveryId,
    event_id: a.eventId,
    event_type: a.delivery.eventType,
    attempt: a.attempt,
    status: a.status,
    response_status: a.responseStatus,
    latency_ms: a.latencyMs,
    error: a.error,
    created_at: a.createdAt.toISOString(),
  };
}

/** One attempt in full, with the body that was sent (rebuilt from the event and the attempt's recorded format). */
export function attemptDetailOut(a: Attempt, requestBody: string) {
  return {
    id: a.id,
    attempt: a.attempt,
    status: a.status,
    request_headers: a.requestHeaders as Record<string, string>,
    request_body: requestBody,
    response_status: a.responseStatus,
    response_headers: (a.responseHeaders as Record<string, string> | null) ?? null,
    response_body: a.responseBody,
    latency_ms: a.latencyMs,
    error: a.error,
    created_at: a.createdAt.toISOString(),
  };
}
