import type { RouteTable } from '@herald/http';
import { SchemaVersionOutSchema, schemaVersionsOut } from '@herald/schemas';
import { z } from 'zod';

/** `GET /api/v1/schema-versions`: the published envelope versions, from the definitions the request builder uses. */
export function schemaVersionRoutes(routes: RouteTable): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/schema-versions',
      summary: 'The published envelope versions, newest first: what each sends, and which new endpoints get',
      tag: 'Endpoints',
      auth: 'read',
      responses: {
        200: {
          description: 'Every version, in one page.',
          schema: z.object({ data: z.array(SchemaVersionOutSchema), next_cursor: z.null() }),
        },
      },
    },
    (_input, _req, res) => {
      res.json({ data: schemaVersionsOut(), next_cursor: null });
    },
  );
}
