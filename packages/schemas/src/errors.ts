import { z } from 'zod';

/** The API.md error shape, with every code Herald answers. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.enum([
      'validation_failed',
      'unauthorized',
      'forbidden',
      'not_found',
      'conflict',
      'payload_too_large',
      'rate_limited',
      'unavailable',
      'internal',
    ]),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
