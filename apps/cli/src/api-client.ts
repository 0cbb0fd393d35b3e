import { ErrorBodySchema, type ErrorBody, type Page } from '@herald/schemas';
import { CliError, ExitCode } from './exit-codes.js';

/** How to reach the api. */
export interface ApiClientOptions {
  /** e.g. `http://127.0.0.1:3000`, without a trailing slash. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`; without one the api answers 401 and says so. */
  token?: string;
  /** Printed under a 401: where the token comes from. */
  unauthorizedHint: string;
  /** Defaults to the global fetch; tests pass a fake. */
  fetch?: typeof fetch;
  /** Per request, connecting and reading the answer (default 30 s). */
  timeoutMs?: number;
  userAgent?: string;
}

/** The api answered 4xx: nothing was done. */
export class ApiRefusedError extends CliError {
  override name = 'ApiRefusedError';
  constructor(
    readonly status: number,
    /** The api's error code, e.g. `conflict`; null when the answer was not the api's error shape. */
    readonly code: string | null,
    /** The api's own sentence, without the status. */
    readonly apiMessage: string,
    details: readonly string[],
    hint?: string,
  ) {
    super(ExitCode.ApiRefused, `${apiMessage} (${code ? `${status} ${code}` : status})`, hint, details);
  }
}

/** No answer from the api: connection refused, unknown host, timeout. */
export class ApiUnreachableError extends CliError {
  override name = 'ApiUnreachableError';
  constructor(baseUrl: string, reason: string) {
    super(ExitCode.ApiUnreachable, `cannot reach the Herald api at ${baseUrl}: ${reason}`, 'set the api address with --url or HERALD_API_URL');
  }
}

/** The api answered 5xx. */
export class ApiFailedError extends CliError {
  override name = 'ApiFailedError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(ExitCode.ApiFailed, message, 'the api or one of its dependencies (PostgreSQL, Redis) is failing; try again later');
  }
}

type Query = Record<string, string | number | boolean | undefined>;

const DEFAULT_TIMEOUT_MS = 30_000;
const PAGE_MAX = 100;

function isErrorBody(body: unknown): body is ErrorBody {
  return ErrorBodySchema.safeParse(body).success;
}

/** Why a fetch failed, as one short phrase (undici hides it in `cause`, sometimes an AggregateError). */
function unreachableReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const describe = (e: unknown): string => {
    if (e instanceof AggregateError && e.errors.length > 0) return describe(e.errors[0]);
    const { message, code } = (e ?? {}) as { message?: string; code?: string };
    return message || code || String(e);
  };
  const cause = (error as { cause?: unknown } | null)?.cause;
  const reason = describe(cause ?? error);
  // fetch refuses ports such as 1, 25 or 6000 outright (WHATWG "bad port"); say so rather than "bad port".
  return reason === 'bad port' ? 'fetch refuses to connect to this port (a blocked port)' : reason;
}

/** The Herald api over HTTP: JSON in and out, errors turned into CliErrors with their exit codes. */
export class ApiClient {
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: ApiClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** GET a path (e.g. `/api/v1/endpoints`); query values left undefined are not sent. */
  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  /** POST a JSON body. */
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  /**
   * Follows `next_cursor` until `max` items (or the end); `next_cursor` in the
   * answer is where the next item would start, null when there is none.
   */
  async list<T>(path: string, query: Query, max: number): Promise<Page<T>> {
    const data: T[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await this.get<Page<T>>(path, { ...query, limit: Math.min(PAGE_MAX, max - data.length), cursor });
      data.push(...page.data);
      if (!page.next_cursor || data.length >= max) return { data, next_cursor: page.next_cursor };
      cursor = page.next_cursor;
    }
  }

  /** One request; 2xx answers their parsed body, anything else throws. */
  async request<T>(method: string, path: string, { query = {}, body }: { query?: Query; body?: unknown } = {}): Promise<T> {
    // Appended, not resolved: an api behind a proxy at /herald keeps its path.
    const url = new URL(`${this.options.baseUrl}${path}`);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.userAgent) headers['user-agent'] = this.options.userAgent;
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';

    let status: number;
    let text: string;
    try {
      const response = await this.fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw new ApiUnreachableError(this.options.baseUrl, unreachableReason(error, this.timeoutMs));
    }
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: only an error answer can be that, and its text is shown below
    }
    if (status >= 200 && status < 300) return parsed as T;
    throw this.errorOf(status, parsed, text);
  }

  private errorOf(status: number, parsed: unknown, text: string): CliError {
    const api = isErrorBody(parsed) ? parsed.error : undefined;
    const message = api?.message ?? (text.trim() ? text.trim().slice(0, 200) : 'no error message');
    if (status >= 500) return new ApiFailedError(status, `the api failed (${status}): ${message}`);
    const details = (api?.details ?? []).map((d) => (d.path ? `${d.path}: ${d.message}` : d.message));
    const hint =
      status === 401
        ? this.options.unauthorizedHint
        : status === 403
          ? 'this key lacks the scope for it: replay needs an admin key, lists a read or admin key'
          : status >= 300 && status < 400
            ? `the api answered a redirect: check --url / HERALD_API_URL (${this.options.baseUrl})`
            : undefined;
    return new ApiRefusedError(status, api?.code ?? null, message, details, hint);
  }
}
