import { Validator } from '@seriousme/openapi-schema-validator';
import { call, startStack, type Stack } from '../src/stack.js';

/** Every route of API.md, written as API.md writes it. */
const API_MD_ROUTES = [
  'POST /api/v1/tenants',
  'GET /api/v1/tenants',
  'POST /api/v1/api-keys',
  'GET /api/v1/api-keys',
  'DELETE /api/v1/api-keys/{id}',
  'POST /api/v1/event-types',
  'GET /api/v1/event-types',
  'GET /api/v1/event-types/{name}',
  'PATCH /api/v1/event-types/{name}',
  'DELETE /api/v1/event-types/{name}',
  'POST /api/v1/endpoints',
  'GET /api/v1/endpoints',
  'GET /api/v1/endpoints/{id}',
  'PATCH /api/v1/endpoints/{id}',
  'DELETE /api/v1/endpoints/{id}',
  'POST /api/v1/endpoints/bulk',
  'POST /api/v1/endpoints/{id}/rotate-secret',
  'POST /api/v1/endpoints/{id}/test',
  'GET /api/v1/endpoints/{id}/stats',
  'GET /api/v1/endpoints/{id}/attempts',
  'POST /api/v1/events',
  'POST /api/v1/events/batch',
  'GET /api/v1/events/{event_id}',
  'GET /api/v1/outbox',
  'GET /api/v1/outbox/{delivery_id}',
  'POST /api/v1/outbox/{delivery_id}/replay',
  'POST /api/v1/outbox/replay',
  'GET /api/v1/openapi.json',
];

// A path parameter's name is documentation, not identity: `/x/{id}` and `/x/{delivery_id}` are one route.
const sameRoute = (route: string) => route.replace(/\{\w+\}/g, '{}');

/** `src` and `href` attributes of an HTML page. */
const linksIn = (html: string) => [...html.matchAll(/\s(?:src|href)\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1]!);

describe('OpenAPI document and docs page', () => {
  let stack: Stack;
  let doc: Record<string, any>;

  beforeAll(async () => {
    stack = await startStack();
    const res = await call(stack.api.url, 'GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('is served without auth as a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it.each(API_MD_ROUTES)('documents %s', (route) => {
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => sameRoute(`${method.toUpperCase()} ${path}`)),
    );
    expect(documented).toContain(sameRoute(route));
  });

  it('documents no route that API.md does not have', () => {
    const expected = new Set(API_MD_ROUTES.map(sameRoute));
    const extra = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      Object.keys(operations)
        .map((method) => `${method.toUpperCase()} ${path}`)
        .filter((route) => !expected.has(sameRoute(route))),
    );
    expect(extra).toEqual([]);
  });

  it('says how each operation authenticates, with unique operation ids', () => {
    const operations = Object.values(doc.paths as Record<string, Record<string, { operationId: string; security: unknown[] }>>).flatMap(
      (ops) => Object.values(ops),
    );
    const ids = operations.map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const op of operations) expect(Array.isArray(op.security)).toBe(true);
    expect(doc.paths['/api/v1/openapi.json'].get.security).toEqual([]);
    expect(doc.paths['/api/v1/tenants'].post.security).toEqual([{ rootToken: [] }]);
    expect(doc.paths['/api/v1/api-keys'].post.security).toEqual([{ apiKey: [] }]);
  });

  it('serves /docs as HTML that loads nothing from another host', async () => {
    const res = await fetch(`${stack.api.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('swagger-ui');
    const links = linksIn(html);
    expect(links.length).toBeGreaterThan(0);
    // Relative links only: no http(s)://, no protocol-relative //cdn...
    expect(links.filter((link) => /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(link))).toEqual([]);
    expect(html).not.toMatch(/<(?:script|link|img)[^>]+(?:src|href)\s*=\s*["'](?:https?:)?\/\//i);
  });

  it('serves the Swagger UI assets from the api itself, the spec inline and no online validator', async () => {
    const page = await fetch(`${stack.api.url}/docs/`);
    const base = page.url;
    const assets = linksIn(await page.text()).filter((link) => /\.(?:js|css)$/.test(link));
    expect(assets).toEqual(expect.arrayContaining(['./swagger-ui.css', './swagger-ui-bundle.js', './swagger-ui-init.js']));
    for (const asset of assets) {
      const url = new URL(asset, base);
      expect(url.origin).toBe(new URL(stack.api.url).origin);
      const res = await fetch(url);
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
      expect(res.headers.get('content-type')).toMatch(asset.endsWith('.css') ? /text\/css/ : /javascript/);
      expect((await res.text()).length).toBeGreaterThan(100);
    }
    const init = await (await fetch(new URL('./swagger-ui-init.js', base))).text();
    expect(init).toContain('"title": "Herald API"');
    // Swagger UI's default would load a badge from validator.swagger.io.
    expect(init).toMatch(/"validatorUrl":\s*null/);
  });
});
