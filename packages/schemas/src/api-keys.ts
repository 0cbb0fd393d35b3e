import { z } from 'zod';
import { IsoTimestampOut } from './common.js';
import { ApiKeyScopeSchema } from './tenants.js';

export const ApiKeyInSchema = z.strictObject({
  scope: ApiKeyScopeSchema,
  /** Who uses the key, e.g. `billing-service`. */
  name: z.string().trim().min(1).max(200),
});
export type ApiKeyIn = z.infer<typeof ApiKeyInSchema>;

/** A key as listed: its prefix only, never the key or its digest. */
export const ApiKeyOutSchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: ApiKeyScopeSchema,
  key_prefix: z.string().describe('The first 20 characters of the key, to tell keys apart.'),
  created_at: IsoTimestampOut,
  last_used_at: IsoTimestampOut.nullable(),
  revoked_at: IsoTimestampOut.nullable(),
});
export type ApiKeyOut = z.infer<typeof ApiKeyOutSchema>;

export const API_KEY_WARNING = 'Save this key now. It will not be shown again.';

/** The answer to key creation: the only time the key is shown. */
export const ApiKeyCreatedOutSchema = ApiKeyOutSchema.extend({
  key: z.string(),
  _warning: z.literal(API_KEY_WARNING),
});
export type ApiKeyCreatedOut = z.infer<typeof ApiKeyCreatedOutSchema>;

export const ApiKeyRevokedOutSchema = z.object({ id: z.string(), revoked: z.literal(true) });
export type ApiKeyRevokedOut = z.infer<typeof ApiKeyRevokedOutSchema>;
