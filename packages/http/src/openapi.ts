import { z, type ZodType } from 'zod';
import { ErrorBodySchema } from '@herald/schemas';
import type { RouteSpec } from './route-table.js';

function jsonSchema(schema: ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function errorResponses(route: RouteSpec): Record<string, unknown> {
  const ref = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  const out: Record<string, unknown> = {
    400: { description: 'Malformed request (bad JSON, wrong types).', ...ref },
    503: { description: 'PostgreSQL or Redis is unreachable; nothing was accepted.', ...ref },
  };
  if (route.auth !== 'public') out[401] = { description: 'Missing or invalid credentials.', ...ref };
  if (route.auth !== 'public' && route.auth !== 'root') out[403] = { description: 'The key\'s scope does not allow this.', ...ref };
  if (route.path.includes('{')) out[404] = { description: 'Not found (or another tenant\'s).', ...ref };
  if (route.body) {
    out[413] = { description: 'Body larger than HERALD_MAX_PAYLOAD_BYTES.', ...ref };
    out[422] = { description: 'Well-formed but not acceptable.', ...ref };
  }
  return out;
}

function parameters(route: RouteSpec): unknown[] {
  const params: unknown[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const json = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      params.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: property });
    }
  }
  return params;
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
  /** Base URLs of the api and ingest services. */
  servers: { api: string; ingest: string };
}

/** Builds an OpenAPI 3.1 document from route specs (the same zod schemas the routes parse with). */
export function buildOpenApiDocument(routes: readonly RouteSpec[], info: OpenApiInfo): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const security =
      route.auth === 'public'
        ? []
        : route.auth === 'root'
          ? [{ rootToken: [] }]
          : route.service === 'ingest'
            ? [{ apiKey: [] }]
            : [{ apiKey: [] }, { sessionCookie: [] }];
    const responses: Record<string, unknown> = errorResponses(route);
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { 'application/json': { schema: jsonSchema(response.schema, 'output') } } } : {}),
      };
    }
    const operation: Record<string, unknown> = {
      operationId: `${route.method}${route.path.replace(/\/api\/v1/, '').replace(/[{}]/g, '').replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      summary: route.summary,
      description:
        route.auth === 'public'
          ? undefined
          : route.auth === 'root'
            ? 'Needs the root token.'
            : route.auth === 'admin'
              ? 'Needs an API key with scope `admin`.'
              : `Needs an API key with scope \`${route.auth}\` (or \`admin\`).`,
      tags: [route.tag],
      security,
      parameters: parameters(route),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
      responses,
      ...(route.service === 'ingest' ? { servers: [{ url: info.servers.ingest, description: 'ingest service' }] } : {}),
    };
    (paths[route.path] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, ...(info.description ? { description: info.description } : {}) },
    servers: [{ url: info.servers.api, description: 'api service' }],
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorBodySchema, 'output') },
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'A tenant API key (scopes admin, read, ingest).' },
        rootToken: { type: 'http', scheme: 'bearer', description: 'HERALD_ROOT_TOKEN: manages tenants only.' },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'herald_session',
          description: 'A console session (POST /api/v1/sessions), with the scope of the key it was made from. Writes also need the X-CSRF-Token header.',
        },
      },
    },
  };
}
