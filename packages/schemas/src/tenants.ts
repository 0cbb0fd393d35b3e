import { z } from 'zod';
import { IsoTimestampOut } from './common.js';

/**
 * API key scopes: `admin` (everything in its tenant), `read` (GET only),
 * `ingest` (sending events only). The one list: the key format, the log
 * redaction and the api derive from it; the database enum is checked against it.
 */
export const KEY_SCOPES = ['admin', 'read', 'ingest'] as const;
export const ApiKeyScopeSchema = z.enum(KEY_SCOPES);
export type ApiKeyScope = z.infer<typeof ApiKeyScopeSchema>;

export const TenantInSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
});
export type TenantIn = z.infer<typeof TenantInSchema>;

export const TenantOutSchema = z.object({ id: z.string(), name: z.string(), created_at: IsoTimestampOut });
export type TenantOut = z.infer<typeof TenantOutSchema>;

/** The answer to tenant creation: the only time its keys are shown. */
export const TenantCreatedOutSchema = TenantOutSchema.extend({
  api_keys: z.record(ApiKeyScopeSchema, z.string()),
});
export type TenantCreatedOut = z.infer<typeof TenantCreatedOutSchema>;
