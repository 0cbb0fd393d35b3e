import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/**
 * Parses JSON bodies up to `limitBytes`, but answers nothing itself: a body
 * it cannot accept (malformed, too large) is kept for
 * {@link assertBodyAccepted}, which each route runs after its auth guards.
 * So a caller without valid credentials only ever learns that (401, 403),
 * whatever it sent, and an oversized body from such a caller gets 401 too.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const parse = express.json({ limit: limitBytes, type: ['application/json', 'application/*+json'] });
  return (req: Request, res: Response, next: NextFunction): void => {
    parse(req, res, (error?: unknown) => {
      res.locals.bodyProblem = error;
      next();
    });
  };
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
