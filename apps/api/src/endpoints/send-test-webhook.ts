import { newId } from '@herald/core';
import { recordTestSend, type DeliveryEndpoint } from '@herald/db';
import { attemptFields, decideAttempt, sendAttempt } from '@herald/delivery';
import type { EndpointTestOut } from '@herald/schemas';
import type { ApiDeps } from '../deps.js';

/**
 * Sends one signed webhook to an endpoint now, through the same sender
 * (transport with the SSRF rules, no redirects; request builder; signing keys)
 * and the same decision as the worker, and records it like any attempt: an
 * event, a delivery with max_attempts 1 (`delivered`, or `dead` and so
 * replayable) and the attempt. Never retried, never queued.
 *
 * The endpoint is the worker's shape (loadDeliveryEndpoints), read once, so
 * the request is signed and formatted exactly as the worker would now.
 *
 * Deliberate differences from a worker attempt: a disabled endpoint can be
 * tested (as in Svix: check the receiver is back before re-enabling), and the
 * event type need not match the endpoint's filters (webhook.test rarely does).
 * A test send never starts or clears the endpoint's failure run and never
 * disables it (on 410 either): the worker alone decides that, from real traffic.
 */
export async function sendTestWebhook(
  { sender, config, db }: ApiDeps,
  tenantId: string,
  endpoint: DeliveryEndpoint,
  eventType: string,
  payload: Record<string, unknown>,
): Promise<EndpointTestOut> {
  const now = new Date();
  const event = { id: newId('evt'), tenantId, eventType, createdAt: now, payload: JSON.stringify(payload) };
  const sent = await sendAttempt(sender, { event, endpoint, attempt: 1 });
  const decision = decideAttempt(
    { attempt: 1, maxAttempts: 1, result: sent.result, now: sent.finishedAt.getTime() },
    { baseMs: config.HERALD_RETRY_BASE_MS, maxDelayMs: config.HERALD_RETRY_MAX_DELAY_MS },
  );
  const delivered = decision.delivery === 'delivered';
  const fields = attemptFields(sent, decision);
  await recordTestSend(db, tenantId, {
    event: { id: event.id, eventType, payload: event.payload, createdAt: now },
    deliveryId: newId('dlv'),
    delivered,
    attempt: { id: newId('att'), endpointId: endpoint.id, ...fields },
  });
  return {
    delivered,
    response_status: fields.responseStatus,
    latency_ms: fields.latencyMs,
    response_body: fields.responseBody,
    error: fields.error,
  };
}
