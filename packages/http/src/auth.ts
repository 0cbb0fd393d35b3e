import { timingSafeEqual, createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AppError, type KeyScope } from '@herald/core';

/** Who is calling: the tenant and scope of a valid API key, sent as a bearer token or through a session. */
export interface Principal {
  tenantId: string;
  keyId: string;
  scope: KeyScope;
  /** The console session the request came with (absent for a bearer key). */
  sessionId?: string;
}

/** How keys are checked: the digest they are stored under, and the lookup of an unrevoked key by digest. */
export interface ApiKeyLookup {
  digest(key: string): string;
  findByDigest(digest: string): Promise<{ id: string; tenantId: string; scope: KeyScope } | null>;
  /**
   * For a lookup answered from memory: whether the key is still unrevoked,
   * asked of the source of truth. Run before a request is refused for its
   * body, so a revoked key is told 401, not how its body was judged.
   */
  confirm?(keyId: string): Promise<boolean>;
}

/**
 * How console sessions are checked: the digest their token is stored under,
 * and the lookup of an unexpired session whose key is unrevoked.
 */
export interface SessionLookup {
  digest(token: string): string;
  findByDigest(digest: string): Promise<{ id: string; tenantId: string; keyId: string; scope: KeyScope } | null>;
}

/** The cookie that carries a console session's token. */
export const SESSION_COOKIE = 'herald_session';

/** The header a cookie-authenticated write must carry (docs/api.md, "Sessions"). */
export const CSRF_HEADER = 'x-csrf-token';

// Methods that change nothing, so a cookie alone may authenticate them.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The CSRF token of a session: derived from its token, so it needs no storage
 * and is the same on every read of the session, and is worthless without the
 * cookie (another site can send the cookie, but cannot read this).
 */
export function csrfTokenFor(digest: (value: string) => string, sessionToken: string): string {
  return digest(`herald-csrf:${sessionToken}`);
}

/** The session token in the request's cookie, if any. */
export function sessionTokenOf(req: Request): string | null {
  const header = req.get('cookie');
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/**
 * The cookie attributes: HttpOnly (no script reads it), SameSite=Strict (no
 * other site's page sends it), only under /api/v1, and Secure when the request
 * came over https (directly or, per X-Forwarded-Proto, through a proxy: the
 * header can only make a cookie stricter, so it need not be trusted).
 */
function cookieAttributes(req: Request): string {
  const https = req.secure || req.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
  return `Path=/api/v1; HttpOnly; SameSite=Strict${https ? '; Secure' : ''}`;
}

/** Sets the session cookie, expiring with the session. */
export function setSessionCookie(req: Request, res: Response, token: string, expiresAt: Date): void {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  res.append('Set-Cookie', `${SESSION_COOKIE}=${token}; ${cookieAttributes(req)}; Max-Age=${maxAge}; Expires=${expiresAt.toUTCString()}`);
}

/** Tells the browser to forget the session cookie. */
export function clearSessionCookie(req: Request, res: Response): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=; ${cookieAttributes(req)}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`);
}

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function bearer(req: Request): string | null {
  const header = req.get('authorization');
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1]! : null;
}

/**
 * 401 unless the request carries a valid, unrevoked API key, as a bearer
 * token or (with `sessions`) through an unexpired session cookie; sets
 * `res.locals.principal` (and, with a `confirm`, what {@link confirmPrincipal} runs).
 * A bearer key wins over a cookie. A write authenticated by the cookie alone
 * also needs the session's CSRF token in `X-CSRF-Token` (403 otherwise), so
 * another site cannot make a signed-in browser change anything.
 */
export function authenticate({ digest, findByDigest, confirm }: ApiKeyLookup, sessions?: SessionLookup) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const key = bearer(req);
    const sessionToken = !key && sessions ? sessionTokenOf(req) : null;
    if (sessionToken && sessions) {
      const session = await sessions.findByDigest(sessions.digest(sessionToken));
      if (!session) throw new AppError('unauthorized', 'The session has expired or was ended, or its API key was revoked: sign in again.');
      if (!SAFE_METHODS.has(req.method)) {
        const sent = req.get(CSRF_HEADER);
        if (!sent || !sameText(sent, csrfTokenFor(sessions.digest, sessionToken))) {
          throw new AppError('forbidden', 'Missing or invalid CSRF token: a write made with the session cookie must send its X-CSRF-Token header.');
        }
      }
      const principal: Principal = { tenantId: session.tenantId, keyId: session.keyId, scope: session.scope, sessionId: session.id };
      res.locals.principal = principal;
      res.locals.tenantId = principal.tenantId;
      next();
      return;
    }
    if (!key) throw new AppError('unauthorized', 'Missing API key: send Authorization: Bearer <key>.');
    const found = await findByDigest(digest(key));
    if (!found) throw new AppError('unauthorized', 'Invalid or revoked API key.');
    const principal: Principal = { tenantId: found.tenantId, keyId: found.id, scope: found.scope };
    res.locals.principal = principal;
    res.locals.tenantId = principal.tenantId;
    if (confirm) res.locals.confirmPrincipal = () => confirm(principal.keyId);
    next();
  };
}

/**
 * 401 if the request's key, found in a cache, has been revoked since. A no-op
 * for keys looked up in the database on this very request (and for the root token).
 */
export async function confirmPrincipal(res: Response): Promise<void> {
  const confirm = res.locals.confirmPrincipal as (() => Promise<boolean>) | undefined;
  if (confirm && !(await confirm())) throw new AppError('unauthorized', 'Invalid or revoked API key.');
}

/** 403 unless the caller's key has one of these scopes (`admin` has them all). */
export function requireScope(...allowed: KeyScope[]) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const { scope } = res.locals.principal as Principal;
    if (scope !== 'admin' && !allowed.includes(scope)) {
      throw new AppError('forbidden', `This API key's scope '${scope}' does not allow this request.`);
    }
    next();
  };
}

/** The authenticated caller of a request. */
export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** 401 unless the request carries the root token (compared in constant time). */
export function requireRootToken(rootToken: string) {
  const expected = sha256(rootToken);
  return (req: Request, _res: Response, next: NextFunction): void => {
    const given = bearer(req);
    if (!given || !timingSafeEqual(sha256(given), expected)) {
      throw new AppError('unauthorized', 'This route needs the root token (HERALD_ROOT_TOKEN).');
    }
    next();
  };
}
