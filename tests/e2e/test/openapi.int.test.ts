import { Validator } from '@seriousme/openapi-schema-validator';
import { call, startStack, type Stack } from '../src/stack.js';

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

  it('says how each operation authenticates, with unique operation ids', () => {
    const operations = Object.values(doc.paths as Record<string, Record<string, { operationId: string; security: unknown[] }>>).flatMap(
      (ops) => Object.values(ops),
    );
    const ids = operations.map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const op of operations) expect(Array.isArray(op.security)).toBe(true);
    expect(doc.paths['/api/v1/openapi.json'].get.security).toEqual([]);
    expect(doc.paths['/api/v1/tenants'].post.security).toEqual([{ rootToken: [] }]);
    expect(doc.paths['/api/v1/api-keys'].post.security).toEqual([{ apiKey: [] }, { sessionCookie: [] }]);
    expect(doc.paths['/api/v1/events'].post.security).toEqual([{ apiKey: [] }]);
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
