import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '@herald/core';

/**
 * Deepest nesting of objects and arrays a request body may have, counting the
 * body itself (`{"payload":{}}` is 2 levels). JSON.parse copes with any depth,
 * but what handles the value afterwards recurses (JSON.stringify, Prisma's
 * JSON protocol, jsonb), so a body a few thousand levels deep would end in a
 * stack overflow instead of an answer.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The path of the first object or array nested deeper than `levels`, or null.
 * Recursion stops at `levels`, so it never goes deeper than the limit itself.
 */
export function pathTooDeep(value: unknown, levels: number): string[] | null {
  if (value === null || typeof value !== 'object') return null;
  if (levels === 0) return [];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = pathTooDeep(value[i], levels - 1);
      if (found) return [String(i), ...found];
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    const found = pathTooDeep((value as Record<string, unknown>)[key], levels - 1);
    if (found) return [key, ...found];
  }
  return null;
}

/** Why a parsed body is refused, or null when it may be used. */
function depthProblem(body: unknown): AppError | null {
  const path = pathTooDeep(body, MAX_JSON_DEPTH);
  if (!path) return null;
  return AppError.unprocessable(`The body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`, [
    { path: path[0] ?? '', message: `nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep` },
  ]);
}

/** What {@link jsonBody} keeps of a body when asked: its bytes as received, and their charset. */
interface RawBody {
  bytes: Buffer;
  charset: string;
}

/**
 * Parses JSON bodies up to `limitBytes` and checks their depth, but answers
 * nothing itself: a body it cannot accept (malformed, too large, too deep) is
 * kept for {@link assertBodyAccepted}, which each route runs after its auth
 * guards. So a caller without valid credentials only ever learns that (401, 403),
 * whatever it sent, and an oversized body from such a caller gets 401 too.
 *
 * With `keepRaw`, the bytes the JSON was parsed from are kept too, for
 * {@link rawBodyText} (ingest stores a payload's own text, not a
 * re-serialisation of it). Keeping a reference to the buffer costs nothing.
 */
export function jsonBody(limitBytes: number, { keepRaw = false }: { keepRaw?: boolean } = {}): RequestHandler {
  const parse = express.json({
    limit: limitBytes,
    type: ['application/json', 'application/*+json'],
    verify: keepRaw
      ? (_req, res, bytes, charset) => {
          (res as Response).locals.rawBody = { bytes, charset } satisfies RawBody;
        }
      : undefined,
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    parse(req, res, (error?: unknown) => {
      res.locals.bodyProblem = error ?? depthProblem(req.body);
      next();
    });
  };
}

/**
 * The text the request's JSON body was parsed from (decoded as the parser
 * did, a leading byte order mark dropped), or undefined when it was not kept
 * or its charset is one this runtime cannot decode.
 */
export function rawBodyText(res: Response): string | undefined {
  const raw = res.locals.rawBody as RawBody | undefined;
  if (!raw) return undefined;
  try {
    return new TextDecoder(raw.charset || 'utf-8').decode(raw.bytes);
  } catch {
    return undefined;
  }
}

/** Throws what {@link jsonBody} found wrong with this request's body, if anything. */
export function assertBodyAccepted(res: Response): void {
  const problem: unknown = res.locals.bodyProblem;
  if (problem) throw problem;
}

/** {@link assertBodyAccepted} as a middleware, for a route outside a RouteTable that reads `req.body`. */
export function acceptBody(_req: Request, res: Response, next: NextFunction): void {
  assertBodyAccepted(res);
  next();
}
