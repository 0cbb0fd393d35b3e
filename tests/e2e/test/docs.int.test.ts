import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, startStack, type Stack } from '../src/stack.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const API_DOC = 'docs/api.md';

/**
 * Routes docs/api.md documents that the OpenAPI document does not list: the
 * operational ones, served outside the route table.
 */
const OPERATIONAL_ROUTES = ['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /docs', 'GET /admin/queues', 'GET /console'];

// A path parameter's name is documentation, not identity: `/x/{id}` and `/x/{delivery_id}` are one route.
const sameRoute = (route: string) => route.replace(/\{\w+\}/g, '{}');

/** The routes docs/api.md documents: one heading `### METHOD /path` each. */
function documentedRoutes(markdown: string): string[] {
  return [...markdown.matchAll(/^#{2,4} (GET|POST|PUT|PATCH|DELETE) (\/\S*)\s*$/gm)].map((m) => `${m[1]} ${m[2]}`);
}

describe('docs/api.md and the OpenAPI document', () => {
  let stack: Stack;
  let listed: string[];
  let documented: string[];

  beforeAll(async () => {
    stack = await startStack();
    const res = await call(stack.api.url, 'GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    listed = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    documented = documentedRoutes(readFileSync(join(ROOT, API_DOC), 'utf8'));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('finds the routes on both sides', () => {
    expect(listed.length).toBeGreaterThan(20);
    expect(documented.length).toBeGreaterThan(20);
  });

  it(`documents in ${API_DOC} every route the OpenAPI document lists`, () => {
    const inDocs = new Set(documented.map(sameRoute));
    expect(listed.filter((route) => !inDocs.has(sameRoute(route)))).toEqual([]);
  });

  it(`documents in ${API_DOC} no route the OpenAPI document does not list, except the operational ones`, () => {
    const known = new Set([...listed, ...OPERATIONAL_ROUTES].map(sameRoute));
    expect(documented.filter((route) => !known.has(sameRoute(route)))).toEqual([]);
  });

  it('documents the operational routes, each once, and every route once', () => {
    const inDocs = documented.map(sameRoute);
    expect(OPERATIONAL_ROUTES.filter((route) => !inDocs.includes(sameRoute(route)))).toEqual([]);
    expect(inDocs.filter((route, i) => inDocs.indexOf(route) !== i)).toEqual([]);
  });
});

// Built from parts so that this file does not match itself.
const OUTSIDE_REFERENCES = [['', 'work', ''].join('/'), ['..', 'shared'].join('/'), ['API', 'md'].join('.'), ['ARCHITECTURE', 'md'].join('.')];

/** The text files among these (paths from the repository root) whose contents name a file outside the repository. */
function filesCitingOutside(paths: string[]): { path: string; cites: string[] }[] {
  return paths.flatMap((path) => {
    const file = join(ROOT, path);
    if (path.endsWith('package-lock.json') || !existsSync(file)) return [];
    const bytes = readFileSync(file);
    if (bytes.subarray(0, 8000).includes(0)) return []; // binary
    const text = bytes.toString('utf8');
    const cites = OUTSIDE_REFERENCES.filter((reference) => text.includes(reference));
    return cites.length > 0 ? [{ path, cites }] : [];
  });
}

const trackedFiles = () =>
  execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter(Boolean);

describe('the repository stands on its own', () => {
  it('the docs and the README cite no file outside the repository', () => {
    const docs = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md'));
    expect(docs).toEqual(expect.arrayContaining(['api.md', 'architecture.md', 'operations.md', 'development.md']));
    expect(filesCitingOutside(['README.md', ...docs.map((name) => `docs/${name}`)])).toEqual([]);
  });

  it('no tracked text file cites a file outside the repository or a path of this machine', () => {
    expect(filesCitingOutside(trackedFiles())).toEqual([]);
  });
});
