import { AppError, type ErrorDetail } from '@herald/core';
import { EMAIL_NOT_CONFIGURED, EmailAddressSchema } from '@herald/schemas';
import type { ApiConfig } from '../config.js';

/**
 * An address as given, checked: lower-cased when it is one plain address,
 * else a 422 naming where it was (never stored, so it can never reach a header).
 */
export function checkedAddress(value: string, path: string): string {
  const parsed = EmailAddressSchema.safeParse(value);
  if (!parsed.success) {
    throw AppError.unprocessable('The email address is not valid.', [{ path, message: parsed.error.issues[0]!.message }]);
  }
  return parsed.data;
}

/** Addresses checked (422 naming every bad one), lower-cased and deduplicated. */
export function checkedAddresses(values: readonly string[], path: string): string[] {
  const details: ErrorDetail[] = [];
  const out = new Set<string>();
  values.forEach((value, i) => {
    const parsed = EmailAddressSchema.safeParse(value);
    if (parsed.success) out.add(parsed.data);
    else details.push({ path: `${path}.${i}`, message: parsed.error.issues[0]!.message });
  });
  if (details.length > 0) throw AppError.unprocessable('Some email addresses are not valid.', details);
  return [...out];
}

/** 422 when email settings are given to a Herald that cannot send email (no HERALD_SMTP_URL): nothing is saved. */
export function assertEmailConfigured(config: ApiConfig, path: string): void {
  if (config.HERALD_SMTP_URL === undefined) {
    throw AppError.unprocessable(`Email settings cannot be saved: ${EMAIL_NOT_CONFIGURED}.`, [{ path, message: EMAIL_NOT_CONFIGURED }]);
  }
}
