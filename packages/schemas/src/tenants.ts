import { z } from 'zod';
import { IsoTimestampOut } from './common.js';

export const ApiKeyScopeSchema = z.enum(['admin', 'read', 'ingest']);
export type ApiKeyScope = z.infer<typeof ApiKeyScopeSchema>;

export const TenantInSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
});
export type TenantIn = z.infer<typeof TenantInSchema>;

export const TenantOutSchema = z.object({ id: z.string(), name: z.string(), created_at: IsoTimestampOut });
export type TenantOut = z.infer<typeof TenantOutSchema>;

/** The answer to tenant creation: the only time its keys are shown. */
export const TenantCreatedOutSchema = TenantOutSchema.extend({
  api_keys: z.object({ admin: z.string(), read: z.string(), ingest: z.string() }),
});
export type TenantCreatedOut = z.infer<typeof TenantCreatedOutSchema>;
