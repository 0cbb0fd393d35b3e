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
    expect(schemas.problemWith({ type: 'objekt' })).toMatch(/type/);
    expect(schemas.problemWith(schema)).toBeNull();
  });
});
