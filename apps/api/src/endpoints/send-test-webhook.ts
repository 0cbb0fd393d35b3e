import { newId } from '@herald/core';
import { recordTestSend, type Endpoint } from '@herald/db';
import { buildWebhookRequest } from '@herald/outbound';
import type { EndpointTestOut } from '@herald/schemas';
import type { ApiDeps } from '../deps.js';
import { USER_AGENT } from '../version.js';

/**
 * Sends one signed webhook to an endpoint now, through the same transport
 * (SSRF rules, no redirects) and request builder as the worker, and records
 * it like any attempt: an event, a delivery with max_attempts 1 (`delivered`,
 * or `dead` and so replayable) and the attempt. Never retried, never queued.
 *
 * Deliberate differences from a worker attempt: a disabled endpoint can be
 * tested (as in Svix: check the receiver is back before re-enabling), and the
 * event type need not match the endpoint's filters (webhook.test rarely does).
 * A test send never starts or clears the endpoint's failure run and never
 * disables it (on 410 either): the worker alone decides that, from real traffic.
 */
export async function sendTestWebhook(
  { transport, signingKeys, config, db }: ApiDeps,
  tenantId: string,
  endpoint: Endpoint,
  eventType: string,
  payload: Record<string, unknown>,
): Promise<EndpointTestOut> {
  const now = new Date();
  const event = {
    id: newId('evt'),
    tenantId,
    eventType,
    schemaVersion: config.HERALD_SCHEMA_VERSION,
    createdAt: now,
    payload: JSON.stringify(payload),
  };
  const { body, headers } = buildWebhookRequest({
    event,
    keys: signingKeys.forEndpoint(endpoint, now),
    attempt: 1,
    endpointHeaders: endpoint.headers as Record<string, string>,
    headerPrefix: config.HERALD_HEADER_PREFIX,
    userAgent: USER_AGENT,
    now,
  });
  const result = await transport.post({ url: endpoint.url, headers, body, timeoutMs: endpoint.timeoutMs });
  const finishedAt = new Date();
  const response = result.kind === 'response' ? result : null;
  const delivered = response !== null && response.status >= 200 && response.status < 300;
  const error = delivered ? null : result.kind === 'error' ? result.message : `HTTP ${result.status}`;

  await recordTestSend(db, tenantId, {
    event: { id: event.id, eventType, payload: event.payload, schemaVersion: event.schemaVersion, createdAt: now },
    deliveryId: newId('dlv'),
    delivered,
    attempt: {
      id: newId('att'),
      endpointId: endpoint.id,
      status: delivered ? 'succeeded' : 'failed',
      requestHeaders: headers,
      responseStatus: response?.status ?? null,
      responseHeaders: response?.headers ?? null,
      responseBody: response?.body ?? null,
      latencyMs: result.latencyMs,
      error,
      createdAt: finishedAt,
    },
  });
  return {
    delivered,
    response_status: response?.status ?? null,
    latency_ms: result.latencyMs,
    response_body: response?.body ?? null,
    error,
  };
}
