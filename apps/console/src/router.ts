import { useEffect, useState } from 'react';

/** Where the console is: the hash (`#/endpoints/ep_1?x=y`) as a path and its query. */
export interface Route {
  path: string[];
  params: URLSearchParams;
}

function parse(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?');
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(search) };
}

/**
 * Hash routing: the server serves one index.html and never sees the route,
 * and every screen (filters included) has a link that can be shared.
 */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(parse(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** The href of a console route. */
export function href(path: string, params?: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) if (value) search.set(key, value);
  const text = search.toString();
  return `#/${path}${text ? `?${text}` : ''}`;
}

/** Goes to a console route. */
export function navigate(path: string, params?: Record<string, string | undefined>): void {
  window.location.hash = href(path, params);
}
