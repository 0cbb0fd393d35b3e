import { PayloadSchemas } from './payload-schemas.js';

describe('PayloadSchemas', () => {
  const schemas = new PayloadSchemas();
  const schema = {
    type: 'object',
    required: ['company_id', 'contact'],
    properties: {
      company_id: { type: 'string', pattern: '^[A-Z]{2}-\\d+$' },
      contact: { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email' } } },
      tags: { type: 'array', items: { type: 'string' } },
    },
    additionalProperties: false,
  };

  it('accepts a conforming payload', () => {
    expect(schemas.validate(schema, { company_id: 'US-1', contact: { email: 'a@b.co' } })).toEqual([]);
  });

  it('names every failing path, dotted from the payload root', () => {
    const violations = schemas.validate(schema, { company_id: 'nope', contact: { email: 'not-mail' }, tags: ['a', 2], extra: 1 });
    expect(violations.map((v) => v.path).sort()).toEqual(['company_id', 'contact.email', 'extra', 'tags.1']);
    expect(schemas.validate(schema, { contact: {} }).map((v) => v.path).sort()).toEqual(['company_id', 'contact.email']);
  });

  it('reports a schema that does not compile', () => {
    expect(schemas.problemWith({ type: 'objekt' })).toEqual({ path: '', message: expect.stringMatching(/type/) });
    expect(schemas.problemWith(schema)).toBeNull();
  });

  it('names where a pattern it will not run sits: a pattern keyword or a patternProperties key', () => {
    expect(schemas.problemWith({ properties: { name: { type: 'string', pattern: '^(a)\\1$' } } })).toEqual({
      path: 'properties.name.pattern',
      message: expect.stringMatching(/backreferences/),
    });
    expect(schemas.problemWith({ type: 'object', patternProperties: { '^(?=x)': {} } })).toEqual({
      path: 'patternProperties.^(?=x)',
      message: expect.stringMatching(/lookahead/),
    });
    // A `pattern` inside const, enum or default is data, not a regular expression.
    expect(schemas.problemWith({ default: { pattern: '(a)\\1' }, prefixItems: [{ pattern: '(?!a)' }] })).toEqual({
      path: 'prefixItems.0.pattern',
      message: expect.any(String),
    });
  });

  it('validates a catastrophic-backtracking pattern in linear time', () => {
    const violations = schemas.validate({ properties: { s: { pattern: '^(a+)+$' } } }, { s: `${'a'.repeat(50_000)}b` });
    expect(violations).toEqual([{ path: 's', message: expect.stringContaining('must match pattern') }]);
  });

  it('checks uniqueItems without comparing every pair, with Ajv\'s message', () => {
    const unique = { properties: { list: { uniqueItems: true } } };
    const distinct = Array.from({ length: 50_000 }, (_, i) => [i, { n: i }]);
    expect(schemas.validate(unique, { list: distinct })).toEqual([]);
    expect(schemas.validate(unique, { list: [{ a: 1, b: [2] }, 3, { b: [2], a: 1 }] })).toEqual([
      { path: 'list', message: 'must NOT have duplicate items (items ## 0 and 2 are identical)' },
    ]);
    expect(schemas.validate({ properties: { list: { uniqueItems: false } } }, { list: [1, 1] })).toEqual([]);
  });

  it('refuses every payload for a stored schema it can no longer use, saying why', () => {
    expect(schemas.validate({ properties: { s: { pattern: '(a)\\1' } } }, { s: 'aa' })).toEqual([
      { path: '', message: expect.stringMatching(/^the event type's schema cannot be used at properties\.s\.pattern: /) },
    ]);
  });
});
