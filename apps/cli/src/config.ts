import { usageError } from './exit-codes.js';

/** The options every command takes (set on the program, accepted before or after the command). */
export interface GlobalOptions {
  url?: string;
  key?: string;
  rootToken?: string;
  json?: boolean;
}

/** Where the api is and what to show it. */
export interface Connection {
  /** Without a trailing slash. */
  baseUrl: string;
  key?: string;
  rootToken?: string;
}

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

/** The environment variables herald reads, for `herald --help`. */
export const ENVIRONMENT_HELP = `Environment:
  HERALD_API_URL     the api's base URL (default ${DEFAULT_API_URL}); --url wins
  HERALD_API_KEY     a tenant API key: read for lists and stats, admin for replay; --key wins
  HERALD_ROOT_TOKEN  the root token, for tenant create only; --root-token wins`;

/** A non-empty value, or undefined: `HERALD_API_KEY=` means unset. */
function given(value: string | undefined): string | undefined {
  return value?.trim() ? value.trim() : undefined;
}

/**
 * The connection from the options, then the environment, then the default.
 * This is the only place herald reads environment variables.
 */
export function resolveConnection(options: GlobalOptions, env: Record<string, string | undefined>): Connection {
  const raw = given(options.url) ?? given(env.HERALD_API_URL) ?? DEFAULT_API_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`'${raw}' is not a URL`, 'set the api address with --url or HERALD_API_URL, e.g. http://127.0.0.1:3000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`'${raw}' is not an http(s) URL`, 'set the api address with --url or HERALD_API_URL, e.g. http://127.0.0.1:3000');
  }
  if (url.search || url.hash) throw usageError(`the api URL '${raw}' must not have a query or fragment`);
  return {
    baseUrl: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    key: given(options.key) ?? given(env.HERALD_API_KEY),
    rootToken: given(options.rootToken) ?? given(env.HERALD_ROOT_TOKEN),
  };
}
