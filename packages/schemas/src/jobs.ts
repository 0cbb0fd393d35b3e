import { z } from 'zod';

/** A delivery job carries ids only; the worker loads the rest from PostgreSQL. */
export const DeliverJobSchema = z.object({
  deliveryId: z.string(),
  tenantId: z.string(),
});
export type DeliverJob = z.infer<typeof DeliverJobSchema>;
