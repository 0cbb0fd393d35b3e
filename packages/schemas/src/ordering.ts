import { z } from 'zod';

/** How an endpoint's deliveries are ordered: `none`, or `fifo` (one at a time per ordering key, in ingest order). */
export const ORDERINGS = ['none', 'fifo'] as const;
export type Ordering = (typeof ORDERINGS)[number];

/** What an ordering key is made of: printable ASCII without spaces. */
export const ORDERING_KEY = /^[\x21-\x7e]{1,255}$/;

/** `ordering` as a request carries it; anything but an ORDERINGS value is answered 422. */
export const OrderingInSchema = z.string().meta({
  enum: [...ORDERINGS],
  description: 'none (default), or fifo: within an ordering key, delivery n+1 is not attempted until delivery n is delivered, dead or cancelled.',
});

/** `ordering_key` as an event carries it: a string (else 400); its format is {@link orderingKeyProblem}'s question (422). */
export const OrderingKeyInSchema = z.string().meta({
  description: 'For fifo endpoints: deliveries with the same key go in ingest order; default one key per endpoint. 1..255 printable ASCII characters, no spaces.',
});

/** Why an ordering key is not acceptable, or null. */
export function orderingKeyProblem(key: string): string | null {
  return ORDERING_KEY.test(key) ? null : 'must be 1..255 printable ASCII characters without spaces';
}

/** The key a `fifo` endpoint's delivery of an event goes on: the event's, or the endpoint's one default key (''). */
export function deliveryOrderingKey(ordering: string, eventKey: string | null | undefined): string | null {
  return ordering === 'fifo' ? (eventKey ?? '') : null;
}
