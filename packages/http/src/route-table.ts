import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { z, ZodType } from 'zod';
import type { KeyScope } from '@herald/core';
import { confirmPrincipal, requireRootToken, requireScope } from './auth.js';
import { assertBodyAccepted } from './json-body.js';

/** Who may call a route: the root token, an API key with this scope (admin has all), or anyone. */
export type RouteAuth = 'root' | KeyScope | 'public';

/** One documented response of a route. */
export interface ResponseSpec {
  description: string;
  schema?: ZodType;
}

/**
 * A route described once: express runs it, and the OpenAPI document is built
 * from the same schemas, so the two cannot drift apart.
 */
export interface RouteSpec {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI form, e.g. `/api/v1/endpoints/{id}`. */
  path: string;
  summary: string;
  tag: string;
  auth: RouteAuth;
  body?: ZodType;
  query?: ZodType;
  params?: ZodType;
  responses: Record<number, ResponseSpec>;
  /** Served by another service (documented here, handled there). */
  service?: 'api' | 'ingest';
}

type Parsed<T> = T extends ZodType ? z.output<T> : undefined;

/** A handler's validated input. */
export interface RouteInput<S extends RouteSpec> {
  body: Parsed<S['body']>;
  query: Parsed<S['query']>;
  params: Parsed<S['params']>;
}

export type RouteHandler<S extends RouteSpec> = (input: RouteInput<S>, req: Request, res: Response) => Promise<void> | void;

export interface RouteTableOptions {
  /** 401 unless a valid API key is sent; used by every key-scoped route. */
  authenticate: RequestHandler;
  /** Needed when any route uses `auth: 'root'`. */
  rootToken?: string;
}

const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/**
 * Collects routes: each gets its auth guard, its body/query/params parsed by
 * its zod schemas (a ZodError becomes a 400 with `details[].path`), and is
 * recorded for the OpenAPI document.
 *
 * Authentication comes before anything about the request is judged: the body
 * (parsed, but not refused, by `jsonBody`) is accepted or refused only after
 * the guards, and a key found in a cache is confirmed before a refusal is
 * answered. So a caller without a valid key gets 401 and one with the wrong
 * scope 403, whatever its body, query or path parameters.
 */
export class RouteTable {
  readonly router = Router();
  readonly specs: RouteSpec[] = [];

  constructor(private readonly options: RouteTableOptions) {}

  add<const S extends RouteSpec>(spec: S, handler: RouteHandler<S>): void {
    this.specs.push(spec);
    const guards: RequestHandler[] = [];
    if (spec.auth === 'root') {
      if (!this.options.rootToken) throw new Error(`route ${spec.path} needs a root token`);
      guards.push(requireRootToken(this.options.rootToken));
    } else if (spec.auth !== 'public') {
      guards.push(this.options.authenticate, requireScope(spec.auth));
    }
    this.router[spec.method](expressPath(spec.path), ...guards, async (req: Request, res: Response) => {
      let input: RouteInput<S>;
      try {
        assertBodyAccepted(res);
        input = {
          body: spec.body ? spec.body.parse(req.body ?? (spec.method === 'get' ? undefined : {})) : undefined,
          query: spec.query ? spec.query.parse(req.query) : undefined,
          params: spec.params ? spec.params.parse(req.params) : undefined,
        } as RouteInput<S>;
      } catch (refusal) {
        await confirmPrincipal(res);
        throw refusal;
      }
      await handler(input, req, res);
    });
  }
}
