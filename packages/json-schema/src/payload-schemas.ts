import { createHash } from 'node:crypto';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { linearRegExp, UnsupportedPatternError } from './linear-regexp.js';
import { uniqueItemsKeyword } from './unique-items.js';

/** One failing place in a payload: `path` dotted from the payload root (`customer.email`). */
export interface SchemaViolation {
  path: string;
  message: string;
}

/** Why a schema cannot be used: `path` dotted from the schema root (`properties.name.pattern`), '' for the whole schema. */
export interface SchemaProblem {
  path: string;
  message: string;
}

function dotted(error: ErrorObject): string {
  const parts = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') parts.push(String((error.params as { missingProperty: string }).missingProperty));
  if (error.keyword === 'additionalProperties') parts.push(String((error.params as { additionalProperty: string }).additionalProperty));
  return parts.join('.');
}

// Keywords whose values are data, not subschemas: a `pattern` key inside them is not a regular expression.
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);

/** Where in the schema a pattern is used, as a `pattern` or as a `patternProperties` key (the first place found). */
function patternPath(schema: unknown, pattern: string, path: string[] = []): string[] | null {
  if (schema === null || typeof schema !== 'object') return null;
  if (Array.isArray(schema)) {
    for (let i = 0; i < schema.length; i++) {
      const found = patternPath(schema[i], pattern, [...path, String(i)]);
      if (found) return found;
    }
    return null;
  }
  const record = schema as Record<string, unknown>;
  if (record.pattern === pattern) return [...path, 'pattern'];
  const patternProperties = record.patternProperties;
  if (patternProperties && typeof patternProperties === 'object' && Object.hasOwn(patternProperties, pattern)) {
    return [...path, 'patternProperties', pattern];
  }
  for (const [key, value] of Object.entries(record)) {
    if (DATA_KEYWORDS.has(key)) continue;
    const found = patternPath(value, pattern, [...path, key]);
    if (found) return found;
  }
  return null;
}

/** A schema's problem as the caller should see it: where, for a pattern Herald will not run. */
function problemOf(schema: Record<string, unknown>, error: unknown): SchemaProblem {
  if (error instanceof UnsupportedPatternError) {
    return { path: (patternPath(schema, error.pattern) ?? []).join('.'), message: error.message };
  }
  return { path: '', message: error instanceof Error ? error.message : String(error) };
}

/**
 * Validates event payloads against the JSON Schemas of their event types
 * (draft 2020-12, with formats). Compiled validators are cached by the
 * schema's content, so a changed schema is recompiled and an unchanged one never is.
 *
 * A tenant's schema runs on the thread every tenant's ingest shares, so
 * nothing in it may take more than linear time: regular expressions run on
 * RE2 (see linear-regexp.ts) and `uniqueItems` hashes instead of comparing
 * every pair (see unique-items.ts).
 */
export class PayloadSchemas {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true, code: { regExp: linearRegExp } });
  /** A compiled validator, or why the schema cannot be used (kept too, so a bad stored schema is not recompiled per event). */
  private readonly compiled = new Map<string, ValidateFunction | SchemaProblem>();

  constructor() {
    (addFormats as unknown as (ajv: Ajv2020) => void)(this.ajv);
    this.ajv.removeKeyword('uniqueItems');
    this.ajv.addKeyword(uniqueItemsKeyword);
  }

  /** Why a schema cannot be used, or null when it compiles. */
  problemWith(schema: Record<string, unknown>): SchemaProblem | null {
    const compiled = this.compile(schema);
    return typeof compiled === 'function' ? null : compiled;
  }

  /**
   * The payload's violations of the schema (empty when it conforms). A
   * schema that cannot be used (stored before a rule refused it) refuses
   * every payload, with the reason at the payload's root.
   */
  validate(schema: Record<string, unknown>, payload: unknown): SchemaViolation[] {
    const validate = this.compile(schema);
    if (typeof validate !== 'function') {
      const where = validate.path ? ` at ${validate.path}` : '';
      return [{ path: '', message: `the event type's schema cannot be used${where}: ${validate.message}` }];
    }
    if (validate(payload)) return [];
    return (validate.errors ?? []).map((e) => ({ path: dotted(e), message: e.message ?? 'is invalid' }));
  }

  private compile(schema: Record<string, unknown>): ValidateFunction | SchemaProblem {
    const key = createHash('sha256').update(JSON.stringify(schema)).digest('hex');
    let compiled = this.compiled.get(key);
    if (!compiled) {
      if (this.compiled.size >= 1000) this.compiled.clear();
      // Ajv keeps schemas by $id; drop it so two event types may reuse an id.
      const { $id: _ignored, ...rest } = schema;
      try {
        compiled = this.ajv.compile(rest);
      } catch (error) {
        compiled = problemOf(rest, error);
        this.ajv.removeSchema(rest);
      }
      this.compiled.set(key, compiled);
    }
    return compiled;
  }
}
