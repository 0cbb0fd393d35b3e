import type { OutboundResult, Transport } from '@herald/outbound';
import type { SigningKeyCache } from './signing-keys.js';
import { buildWebhookRequest, type WebhookEvent } from './webhook-request.js';

/** What sending needs of an endpoint. */
export interface AttemptTarget {
  url: string;
  timeoutMs: number;
  /** The endpoint's own headers, sent last. */
  headers: unknown;
  secretCiphertext: string;
  previousSecretCiphertext: string | null;
  previousSecretExpiresAt: Date | null;
}

/** How attempts are sent: the one transport, the signing keys, and Herald's headers. */
export interface AttemptSender {
  transport: Transport;
  signingKeys: SigningKeyCache;
  /** HERALD_HEADER_PREFIX. */
  headerPrefix: string;
  /** `Herald/<version>`. */
  userAgent: string;
}

/** One attempt as it went out and what came back. */
export interface SentAttempt {
  headers: Record<string, string>;
  body: string;
  result: OutboundResult;
  /** When the answer (or the failure) came. */
  finishedAt: Date;
}

/** Builds and signs one attempt for the endpoint as it is now, and sends it. Never throws for the receiver's sake. */
export async function sendAttempt(
  sender: AttemptSender,
  { event, endpoint, attempt }: { event: WebhookEvent; endpoint: AttemptTarget; attempt: number },
): Promise<SentAttempt> {
  const now = new Date();
  const { body, headers } = buildWebhookRequest({
    event,
    keys: sender.signingKeys.forEndpoint(endpoint, now),
    attempt,
    endpointHeaders: endpoint.headers as Record<string, string>,
    headerPrefix: sender.headerPrefix,
    userAgent: sender.userAgent,
    now,
  });
  const result = await sender.transport.post({ url: endpoint.url, headers, body, timeoutMs: endpoint.timeoutMs });
  return { headers, body, result, finishedAt: new Date() };
}
