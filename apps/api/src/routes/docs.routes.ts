import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { buildOpenApiDocument, type RouteSpec, type RouteTable } from '@herald/http';
import type { ApiDeps } from '../deps.js';
import { API_VERSION } from '../version.js';


/**
 * `GET /api/v1/openapi.json`, generated from the routes' own zod schemas,
 * and `GET /docs`, Swagger UI served from the package (no CDN).
 */
export function docsRoutes(routes: RouteTable, { config }: ApiDeps, elsewhere: readonly RouteSpec[]): Router {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/openapi.json',
      summary: 'This OpenAPI document',
      tag: 'Operations',
      auth: 'public',
      responses: { 200: { description: 'OpenAPI 3.1 document.' } },
    },
    (_input, _req, res) => {
      res.json(document);
    },
  );
  // Built once, after every route is in the table (call this last).
  const document = buildOpenApiDocument([...routes.specs, ...elsewhere], {
    title: 'Herald API',
    version: API_VERSION,
    description: 'Self-hosted webhook delivery: tenants, keys, event types, endpoints, outbox and ingest.',
    servers: { api: `http://localhost:${config.HERALD_API_PORT}`, ingest: `http://localhost:${config.HERALD_INGEST_PORT}` },
  });
  const docs = Router();
  // validatorUrl null: Swagger UI would otherwise load a badge from validator.swagger.io,
  // telling a third party where this api lives.
  // (serveFiles writes swagger-ui-init.js, which is where the option takes effect.)
  const options = { customSiteTitle: 'Herald API', swaggerOptions: { validatorUrl: null } };
  docs.use('/docs', swaggerUi.serveFiles(document, options), swaggerUi.setup(document, options));
  return docs;
}
