import { z } from 'zod';

/** The API.md error shape. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
