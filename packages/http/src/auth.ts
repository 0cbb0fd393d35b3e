import { timingSafeEqual, createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AppError, type KeyScope } from '@herald/core';

/** Who is calling: the tenant and scope of a valid API key. */
export interface Principal {
  tenantId: string;
  keyId: string;
  scope: KeyScope;
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

function bearer(req: Request): string | null {
  const header = req.get('authorization');
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1]! : null;
}

/**
 * 401 unless the request carries a valid, unrevoked API key; sets
 * `res.locals.principal` (and, with a `confirm`, what {@link confirmPrincipal} runs).
 */
export function authenticate({ digest, findByDigest, confirm }: ApiKeyLookup) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const key = bearer(req);
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
