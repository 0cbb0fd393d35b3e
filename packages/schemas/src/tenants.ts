import { z } from 'zod';

export const ApiKeyScopeSchema = z.enum(['admin', 'read', 'ingest']);
export type ApiKeyScope = z.infer<typeof ApiKeyScopeSchema>;

export const TenantInSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
});
export type TenantIn = z.infer<typeof TenantInSchema>;

export interface TenantOut {
  id: string;
  name: string;
  created_at: string;
}

/** The answer to tenant creation: the only time its keys are shown. */
export interface TenantCreatedOut extends TenantOut {
  api_keys: Record<ApiKeyScope, string>;
}
