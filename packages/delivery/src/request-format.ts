import { ENVELOPE_V1, envelopeVersion, type BodyFormat, type EnvelopeEvent } from '@herald/schemas';
import { emailBodies } from './email-message.js';

/**
 * How one attempt's body was made, recorded with the attempt (the
 * attempts table's `request_format`): the body format and, for an envelope,
 * its version and the context it carried. With the stored event this is
 * enough to rebuild the exact bytes sent (published versions never change),
 * at a fraction of storing the body on every attempt.
 */
export type RequestFormat =
  | { body: 'payload' }
  | {
      body: 'envelope';
      schema_version: string;
      environment: string | null;
      tenant: { name: string; external_id: string | null };
    }
  /** An email: its text part is rebuilt from the event with the tenant and environment it named. */
  | {
      body: 'email';
      environment: string | null;
      tenant: { id: string; name: string; external_id: string | null };
    };

/** What the format of an endpoint's attempt is read from. */
export interface FormatSource {
  bodyFormat: BodyFormat;
  schemaVersion: string;
  tenantName: string;
  tenantExternalId: string | null;
}

/** The format an attempt to this endpoint is sent in now. */
export function requestFormatOf(endpoint: FormatSource, environment: string | null): RequestFormat {
  if (endpoint.bodyFormat === 'payload') return { body: 'payload' };
  return {
    body: 'envelope',
    schema_version: endpoint.schemaVersion,
    environment,
    tenant: { name: endpoint.tenantName, external_id: endpoint.tenantExternalId },
  };
}

/**
 * The exact body of an attempt: the stored payload text alone, the
 * envelope of the recorded version, or an email's text part. `format` null is an attempt recorded
 * before formats existed, which got the 2025-01-01 envelope.
 *
 * @throws Error for an envelope version that was never published (a corrupt row).
 */
export function requestBody(format: RequestFormat | null, event: EnvelopeEvent, endpointId: string): string {
  if (format?.body === 'payload') return event.payload;
  if (format?.body === 'email') {
    const { tenant, environment } = format;
    return emailBodies(event, { tenant: { id: tenant.id, name: tenant.name, externalId: tenant.external_id }, environment }).text;
  }
  const version = format ? envelopeVersion(format.schema_version) : ENVELOPE_V1;
  if (!version) throw new Error(`envelope version '${format?.schema_version}' is not published`);
  return version.body({
    event,
    context: {
      endpointId,
      environment: format?.environment ?? null,
      tenant: { name: format?.tenant.name ?? '', externalId: format?.tenant.external_id ?? null },
    },
  });
}
