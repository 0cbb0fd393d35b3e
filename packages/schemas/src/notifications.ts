import { z } from 'zod';

/** How a delivery reaches its recipient (the database enum is checked against it). */
export const DELIVERY_KINDS = ['webhook', 'email'] as const;
export const DeliveryKindSchema = z.enum(DELIVERY_KINDS);
export type DeliveryKind = z.infer<typeof DeliveryKindSchema>;

/** Attempts an email delivery gets (an endpoint's default max_attempts: more than a day of retries). */
export const EMAIL_MAX_ATTEMPTS = 15;

/** Most subscribers one event type's email may have. */
export const MAX_EMAIL_SUBSCRIBERS = 50;

/**
 * An email address as Herald accepts it: one plain `local@domain` address
 * (no display name, comments, quotes, spaces, commas or line breaks), so it
 * can only ever name one recipient and never add a header. Lower-cased:
 * addresses are compared case-insensitively.
 */
export const EmailAddressSchema = z
  .string()
  .trim()
  .max(254)
  .regex(
    /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/,
    'must be one email address, like ops@example.com',
  )
  .transform((v) => v.toLowerCase());

/**
 * An address as a request carries it: any string (a wrong type is a 400);
 * the api then checks it with EmailAddressSchema and refuses a bad one with
 * 422, naming it.
 */
export const EmailAddressInSchema = z.string().max(320).describe('One email address, like ops@example.com; anything else is answered 422.');

/** The answer when email settings are given to a Herald without HERALD_SMTP_URL. */
export const EMAIL_NOT_CONFIGURED = 'email is not configured on this Herald';

/** An event type's email: whether each event is emailed, and to whom besides the tenant's primary contact. */
export const EventTypeEmailSchema = z.strictObject({
  enabled: z.boolean().describe("Email each event of this type to the tenant's primary contact and the subscribers."),
  subscribers: z
    .array(EmailAddressInSchema)
    .max(MAX_EMAIL_SUBSCRIBERS)
    .default([])
    .describe('Addresses emailed besides the primary contact; each gets one email per event (duplicates, in any case, count once).'),
});
export type EventTypeEmail = z.infer<typeof EventTypeEmailSchema>;

/** The tenant settings its admin key reads and changes (`GET|PATCH /api/v1/settings`). */
export const SettingsOutSchema = z.object({
  tenant_id: z.string(),
  name: z.string(),
  primary_contact_email: z.string().nullable().describe('Gets an email of every event type whose email is enabled.'),
  email_configured: z.boolean().describe('Whether this Herald can send email (HERALD_SMTP_URL is set).'),
});
export type SettingsOut = z.infer<typeof SettingsOutSchema>;

export const SettingsPatchSchema = z.strictObject({
  primary_contact_email: EmailAddressInSchema.nullable().optional().describe('null removes it.'),
});
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

/** Herald's own event types start with this; producers cannot send them. */
export const OPERATIONAL_EVENT_PREFIX = 'herald.';

/**
 * Herald's operational events, registered with every tenant (read-only, like
 * webhook.test): name, description, and whether their email is on when the
 * tenant is created.
 */
export const OPERATIONAL_EVENT_TYPES = [
  { name: 'herald.endpoint.disabled', description: 'Herald disabled an endpoint (reason gone or failing).', emailEnabled: true },
  { name: 'herald.endpoint.failing', description: 'An endpoint has failed continuously for HERALD_FAILING_NOTICE_MS.', emailEnabled: false },
  { name: 'herald.endpoint.recovered', description: 'An endpoint reported failing delivered again.', emailEnabled: false },
  {
    name: 'herald.delivery.dead',
    description: 'Deliveries to an endpoint died (attempts exhausted); one per window, with the count.',
    emailEnabled: false,
  },
] as const;
export type OperationalEventType = (typeof OPERATIONAL_EVENT_TYPES)[number]['name'];

/** Whether an event type name is Herald's own (`herald.*`). */
export function isOperationalEventType(name: string): boolean {
  return name.startsWith(OPERATIONAL_EVENT_PREFIX);
}

/** What every operational event's payload carries, then its own fields. */
export interface OperationalPayload {
  event_type: OperationalEventType;
  /** HERALD_ENVIRONMENT, or null. */
  environment: string | null;
  tenant: { id: string; name: string; external_id: string | null };
  /** RFC 3339 UTC. */
  timestamp: string;
  endpoint: { id: string; url: string; name: string };
  [field: string]: unknown;
}
