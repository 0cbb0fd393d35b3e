import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type Response } from 'express';
import { AppError } from '@herald/core';

/**
 * Where the console's build lands (apps/console/dist), from this file in
 * apps/api/src/routes or apps/api/dist/routes alike. The api finds it by
 * path, not by import: apps never import each other.
 */
export const CONSOLE_DIST = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

/**
 * The console's pages may run only their own script and style and talk only
 * to this origin: nothing inline, nothing from another host, no framing, and
 * forms post nowhere else.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secureHeaders(res: Response): void {
  res.set({
    'Content-Security-Policy': CONSOLE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
}

/**
 * `/console`: the web console's static files. Assets have content-hashed
 * names, so they are cached for a year and never revalidated; `index.html`
 * names the current ones and is never cached, so a new build is picked up
 * on the next load. Every other path under /console is the app (it routes by
 * the URL's hash).
 */
export function consoleRoutes(dist: string = CONSOLE_DIST): Router {
  const router = Router();
  const index = join(dist, 'index.html');
  const sendIndex = (res: Response) => {
    if (!existsSync(index)) {
      throw new AppError('not_found', 'The console is not built: run `npx turbo run build` (or `npm start`, which builds it).');
    }
    secureHeaders(res);
    res.set('Cache-Control', 'no-cache');
    res.sendFile(index);
  };
  // Non-strict routing matches `/console/` here too: only the bare path is redirected, so asset URLs resolve under /console/.
  router.get('/console', (req, res) => (req.originalUrl.split('?')[0] === '/console' ? res.redirect(301, '/console/') : sendIndex(res)));
  router.use(
    '/console/assets',
    (_req, res, next) => {
      secureHeaders(res);
      next();
    },
    express.static(join(dist, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      etag: false,
    }),
    (req) => {
      throw AppError.notFound(`Console file '${req.path}'`);
    },
  );
  router.get('/console/{*rest}', (_req, res) => sendIndex(res));
  return router;
}
