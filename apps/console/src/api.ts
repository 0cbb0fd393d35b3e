// The console talks to Herald only through its public HTTP API (docs/api.md), with the
// session cookie: whatever the console does, a script with an API key can do too.
import type { ErrorBody, SessionOut } from '@herald/schemas';

/** An error answered by the API, in its error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The message of the detail for this field (`url`, `events.0`, `schema.properties.x`), if any. */
  fieldMessage(path: string): string | undefined {
    return this.details.find((d) => d.path === path || d.path.startsWith(`${path}.`))?.message;
  }
}

type Listener = () => void;
const sessionLost = new Set<Listener>();
let csrfToken: string | null = null;

/** Remembers the CSRF token of the current session (sent with every write). */
export function useCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the API refuses the session (expired, signed out, key revoked). */
export function onSessionLost(listener: Listener): () => void {
  sessionLost.add(listener);
  return () => sessionLost.delete(listener);
}

/** A query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * One call to the API. Writes carry the session's CSRF token; an answer
 * that is not 2xx becomes an ApiError with the API's message and details,
 * and a 401 also tells the app that the session is gone.
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, 'network', `Herald could not be reached: ${(error as Error).message}`, []);
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const error = (parsed as ErrorBody | null)?.error;
    const failure = new ApiError(response.status, error?.code ?? 'internal', error?.message ?? `HTTP ${response.status}`, error?.details ?? []);
    if (response.status === 401 && !path.startsWith('/sessions')) for (const listener of sessionLost) listener();
    throw failure;
  }
  return parsed as T;
}

/** Signs in with an API key; the session's token comes back only as an HttpOnly cookie. */
export function signIn(apiKey: string): Promise<SessionOut> {
  return api<SessionOut>('POST', '/sessions', { api_key: apiKey });
}

/** The current session, or null when there is none (not signed in, expired, key revoked). */
export async function currentSession(): Promise<SessionOut | null> {
  try {
    return await api<SessionOut>('GET', '/sessions/current');
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 404)) return null;
    throw error;
  }
}
