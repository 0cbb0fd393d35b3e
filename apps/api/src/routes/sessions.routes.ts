import { AppError, generateSessionToken, newId } from '@herald/core';
import { createSession, deleteSession, findActiveApiKeyByDigest, findActiveSessionByDigest, type ActiveSession } from '@herald/db';
import { clearSessionCookie, csrfTokenFor, principalOf, setSessionCookie, sessionTokenOf, type RouteTable } from '@herald/http';
import { SessionEndedOutSchema, SessionInSchema, SessionOutSchema, type SessionEndedOut, type SessionOut } from '@herald/schemas';
import type { Request, Response } from 'express';
import type { ApiDeps } from '../deps.js';

/**
 * Console sign-in: an `admin` or `read` key is exchanged for a session whose
 * token travels only in an HttpOnly, SameSite=Strict cookie, so the key
 * itself need not stay in the browser. The session acts with the key's scope
 * for HERALD_SESSION_TTL_MS, and no longer than the key stays unrevoked.
 */
export function sessionRoutes(routes: RouteTable, { db, sql, secretBox, config }: ApiDeps): void {
  const digest = (value: string) => secretBox.digestApiKey(value);
  const sessionOut = (session: Omit<ActiveSession, 'keyId'>, token: string): SessionOut => ({
    id: session.id,
    tenant_id: session.tenantId,
    scope: session.scope,
    key_prefix: session.keyPrefix,
    key_name: session.keyName,
    expires_at: session.expiresAt.toISOString(),
    csrf_token: csrfTokenFor(digest, token),
  });

  /** The request's own session (the cookie's), or 404 for a request made with a bearer key. */
  const currentSession = async (req: Request, res: Response) => {
    const token = sessionTokenOf(req);
    if (!principalOf(res).sessionId || !token) {
      throw AppError.notFound('Session (this request was made with a bearer key, not a session cookie)');
    }
    const session = await findActiveSessionByDigest(sql, digest(token));
    if (!session) throw new AppError('unauthorized', 'The session has expired or was ended, or its API key was revoked: sign in again.');
    return { session, token };
  };

  routes.add(
    {
      method: 'post',
      path: '/api/v1/sessions',
      summary: 'Sign in: exchange an admin or read API key for a session cookie (HttpOnly, SameSite=Strict)',
      tag: 'Sessions',
      auth: 'public',
      body: SessionInSchema,
      responses: {
        201: { description: 'The session; its token is in the Set-Cookie header only.', schema: SessionOutSchema },
        401: { description: 'The key is unknown or revoked.' },
        403: { description: 'An ingest key: it cannot sign in.' },
      },
    },
    async ({ body }, req, res) => {
      const key = await findActiveApiKeyByDigest(sql, digest(body.api_key));
      if (!key) throw new AppError('unauthorized', 'Invalid or revoked API key.');
      if (key.scope === 'ingest') throw new AppError('forbidden', "An ingest key cannot sign in: use an admin or read key.");
      const token = generateSessionToken();
      const id = newId('ses');
      const expiresAt = new Date(Date.now() + config.HERALD_SESSION_TTL_MS);
      const { keyPrefix, keyName } = await createSession(db, key.tenantId, { id, apiKeyId: key.id, tokenDigest: digest(token), expiresAt });
      setSessionCookie(req, res, token, expiresAt);
      res.set('Cache-Control', 'no-store');
      res.status(201).json(sessionOut({ id, tenantId: key.tenantId, scope: key.scope, keyPrefix, keyName, expiresAt }, token));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/sessions/current',
      summary: "The session of this request's cookie, with its CSRF token",
      tag: 'Sessions',
      auth: 'read',
      responses: { 200: { description: 'The session.', schema: SessionOutSchema } },
    },
    async (_input, req, res) => {
      const { session, token } = await currentSession(req, res);
      res.set('Cache-Control', 'no-store');
      res.json(sessionOut(session, token));
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/v1/sessions/current',
      summary: "Sign out: end this request's session and clear its cookie",
      tag: 'Sessions',
      auth: 'read',
      responses: { 200: { description: 'Ended.', schema: SessionEndedOutSchema } },
    },
    async (_input, req, res) => {
      const { session } = await currentSession(req, res);
      await deleteSession(db, session.tenantId, session.id);
      clearSessionCookie(req, res);
      const answer: SessionEndedOut = { id: session.id, signed_out: true };
      res.json(answer);
    },
  );
}
