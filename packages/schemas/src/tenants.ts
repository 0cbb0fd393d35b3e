import { z } from 'zod';
import { IsoTimestampOut } from './common.js';
import { EmailAddressInSchema } from './notifications.js';

/**
 * API key scopes: `admin` (everything in its tenant), `read` (GET only),
 * `ingest` (sending events only). The one list: the key format, the log
 * redaction and the api derive from it; the database enum is checked against it.
 */
export const KEY_SCOPES = ['admin', 'read', 'ingest'] as const;
export const ApiKeyScopeSchema = z.enum(KEY_SCOPES);
export type ApiKeyScope = z.infer<typeof ApiKeyScopeSchema>;

/** The producer's own id of the account a tenant stands for; receivers see it in envelopes from 2026-12-01. */
const ExternalIdSchema = z.string().min(1).max(255).describe("Your own id of this account (e.g. its id in your billing system); sent to receivers as tenant.external_id.");

export const TenantInSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  external_id: ExternalIdSchema.nullable().default(null),
  primary_contact_email: EmailAddressInSchema.nullable().default(null).describe('Gets an email of every event type whose email is enabled.'),
});
export type TenantIn = z.infer<typeof TenantInSchema>;

/** Any create field, optional; `external_id: null` removes it. */
export const TenantPatchSchema = z.strictObject({
  name: TenantInSchema.shape.name.optional(),
  external_id: ExternalIdSchema.nullable().optional(),
  primary_contact_email: EmailAddressInSchema.nullable().optional(),
});
export type TenantPatch = z.infer<typeof TenantPatchSchema>;

export const TenantParamsSchema = z.object({ id: z.string().describe('A tenant id, tnt_...') });

export const TenantOutSchema = z.object({
  id: z.string(),
  name: z.string(),
  external_id: z.string().nullable(),
  primary_contact_email: z.string().nullable(),
  created_at: IsoTimestampOut,
});
export type TenantOut = z.infer<typeof TenantOutSchema>;

/** The answer to tenant creation: the only time its keys are shown. */
export const TenantCreatedOutSchema = TenantOutSchema.extend({
  api_keys: z.record(ApiKeyScopeSchema, z.string()),
});
export type TenantCreatedOut = z.infer<typeof TenantCreatedOutSchema>;
