import type { Transport } from '@herald/outbound';
import type { AttemptResult } from './retry-policy.js';
import type { KeyedEndpoint, SigningKeyCache } from './signing-keys.js';
import type { RequestFormat } from './request-format.js';
import { buildWebhookRequest, type RequestEndpoint, type WebhookEvent } from './webhook-request.js';

/** What sending needs of an endpoint: one read of it (DeliveryEndpoint in packages/db is one). */
export interface AttemptTarget extends Omit<RequestEndpoint, 'headers'>, KeyedEndpoint {
  url: string;
  timeoutMs: number;
  /** The endpoint's own headers (a JSON object of strings), sent last. */
  headers: unknown;
}

/** How attempts are sent: the one transport, the signing keys, and Herald's headers. */
export interface AttemptSender {
  transport: Transport;
  signingKeys: SigningKeyCache;
  /** HERALD_HEADER_PREFIX. */
  headerPrefix: string;
  /** `Herald/<version>`. */
  userAgent: string;
  /** HERALD_ENVIRONMENT, or null. */
  environment: string | null;
}

/** One attempt as it went out and what came back. */
export interface SentAttempt {
  headers: Record<string, string>;
  body: string;
  /** How the body was made, for the attempt's record. */
  format: RequestFormat;
  result: AttemptResult;
  /** When the answer (or the failure) came. */
  finishedAt: Date;
}

/**
 * Builds and signs one attempt for the endpoint as given (read once by the
 * caller), and sends it. Never throws for the receiver's sake.
 */
export async function sendAttempt(
  sender: AttemptSender,
  { event, endpoint, attempt }: { event: WebhookEvent; endpoint: AttemptTarget; attempt: number },
): Promise<SentAttempt> {
  const now = new Date();
  const { body, headers, format } = buildWebhookRequest({
    event,
    endpoint: { ...endpoint, headers: endpoint.headers as Record<string, string> },
    keys: sender.signingKeys.forEndpoint(endpoint, now),
    attempt,
    headerPrefix: sender.headerPrefix,
    userAgent: sender.userAgent,
    environment: sender.environment,
    now,
  });
  const result = await sender.transport.post({ url: endpoint.url, headers, body, timeoutMs: endpoint.timeoutMs });
  return { headers, body, format, result, finishedAt: new Date() };
}
