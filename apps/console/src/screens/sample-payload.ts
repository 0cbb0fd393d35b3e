/**
 * A payload shaped like a JSON Schema asks, to start from: the schema's own
 * `examples`, `default`, `const` or first `enum` value where it has one,
 * otherwise a plain value of the type. Only a starting point: the API says
 * whether it satisfies the schema.
 */
export function samplePayload(schema: unknown, depth = 0): unknown {
  if (!schema || typeof schema !== 'object' || depth > 8) return {};
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if ('default' in s) return s.default;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const options = s[key];
    if (Array.isArray(options) && options.length > 0) return samplePayload(options[0], depth + 1);
  }
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object':
    case undefined: {
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      if (type === undefined && Object.keys(properties).length === 0) return {};
      return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, samplePayload(v, depth + 1)]));
    }
    case 'array':
      return s.items ? [samplePayload(s.items, depth + 1)] : [];
    case 'string':
      return sampleString(s);
    case 'integer':
      return typeof s.minimum === 'number' ? Math.ceil(s.minimum) : 1;
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 1.5;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return null;
  }
}

function sampleString(s: Record<string, unknown>): string {
  switch (s.format) {
    case 'date-time':
      return new Date().toISOString();
    case 'date':
      return new Date().toISOString().slice(0, 10);
    case 'email':
      return 'someone@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com/';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    default: {
      const min = typeof s.minLength === 'number' ? s.minLength : 0;
      return 'example'.padEnd(min, 'x');
    }
  }
}
