import type { EventTypeOut, Page } from '@herald/schemas';
import { api, query } from '../api.js';

/** Every registered event type of the tenant (a few pages at most). */
export async function loadAllEventTypes(): Promise<EventTypeOut[]> {
  const all: EventTypeOut[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 20; page++) {
    const answer = await api<Page<EventTypeOut>>('GET', `/event-types${query({ limit: 100, cursor })}`);
    all.push(...answer.data);
    if (!answer.next_cursor) break;
    cursor = answer.next_cursor;
  }
  return all.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The families (`prefix.*`) the registered names belong to, as the event
 * filter rule defines them (docs/api.md, endpoint `events`): `a.b.c` is in
 * `a.*` and `a.b.*`.
 */
export function familiesOf(names: readonly string[]): string[] {
  const families = new Set<string>();
  for (const name of names) {
    for (let i = name.indexOf('.'); i !== -1; i = name.indexOf('.', i + 1)) families.add(`${name.slice(0, i + 1)}*`);
  }
  return [...families].sort();
}
