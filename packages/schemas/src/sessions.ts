import { z } from 'zod';
import { IsoTimestampOut } from './common.js';
import { ApiKeyScopeSchema } from './tenants.js';

/** Signing in: an API key (`admin` or `read`) to exchange for a session cookie. */
export const SessionInSchema = z.strictObject({
  api_key: z.string().min(1).max(200),
});
export type SessionIn = z.infer<typeof SessionInSchema>;

/** A session as its holder sees it (the token itself is only in the HttpOnly cookie). */
export const SessionOutSchema = z.object({
  id: z.string(),
  tenant_id: z.string(),
  scope: ApiKeyScopeSchema.describe('The scope of the key the session was made from: what the session may do.'),
  key_prefix: z.string(),
  key_name: z.string(),
  expires_at: IsoTimestampOut,
  csrf_token: z.string().describe('Send it as X-CSRF-Token with every write made with the session cookie.'),
});
export type SessionOut = z.infer<typeof SessionOutSchema>;

export const SessionEndedOutSchema = z.object({ id: z.string(), signed_out: z.literal(true) });
export type SessionEndedOut = z.infer<typeof SessionEndedOutSchema>;
