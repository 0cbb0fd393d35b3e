import { createHash } from 'node:crypto';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** One failing place in a payload: `path` dotted from the payload root (`customer.email`). */
export interface SchemaViolation {
  path: string;
  message: string;
}

function dotted(error: ErrorObject): string {
  const parts = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') parts.push(String((error.params as { missingProperty: string }).missingProperty));
  if (error.keyword === 'additionalProperties') parts.push(String((error.params as { additionalProperty: string }).additionalProperty));
  return parts.join('.');
}

/**
 * Validates event payloads against the JSON Schemas of their event types
 * (draft 2020-12, with formats). Compiled validators are cached by the
 * schema's content, so a changed schema is recompiled and an unchanged one never is.
 */
export class PayloadSchemas {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    (addFormats as unknown as (ajv: Ajv2020) => void)(this.ajv);
  }

  /** Why a schema cannot be used, or null when it compiles. */
  problemWith(schema: Record<string, unknown>): string | null {
    try {
      this.compile(schema);
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  /** The payload's violations of the schema (empty when it conforms). */
  validate(schema: Record<string, unknown>, payload: unknown): SchemaViolation[] {
    const validate = this.compile(schema);
    if (validate(payload)) return [];
    return (validate.errors ?? []).map((e) => ({ path: dotted(e), message: e.message ?? 'is invalid' }));
  }

  private compile(schema: Record<string, unknown>): ValidateFunction {
    const key = createHash('sha256').update(JSON.stringify(schema)).digest('hex');
    let validate = this.compiled.get(key);
    if (!validate) {
      if (this.compiled.size >= 1000) this.compiled.clear();
      // Ajv keeps schemas by $id; drop it so two event types may reuse an id.
      const { $id: _ignored, ...rest } = schema;
      validate = this.ajv.compile(rest);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}
