import type { EventTypeOut, Page } from '@herald/schemas';
import { api, query } from '../api.js';
import { href } from '../router.js';
import { useSession } from '../session.js';
import { Empty, ErrorBox, Loading, Pager, Time, useLoad, usePager } from '../ui.js';

/** The registry: the event types events may have and endpoints may subscribe to. */
export function EventTypesScreen() {
  const { canWrite } = useSession();
  const pager = usePager('event-types');
  const list = useLoad(() => api<Page<EventTypeOut>>('GET', `/event-types${query({ limit: 50, cursor: pager.cursor })}`), [pager.cursor]);
  return (
    <section aria-labelledby="types-title">
      <div className="title-row">
        <h1 id="types-title">Event types</h1>
        {canWrite && (
          <a className="button primary" href={href('event-types/new')}>
            New event type
          </a>
        )}
      </div>
      {list.loading && !list.data && <Loading what="event types" />}
      <ErrorBox error={list.error} title="Could not load the event types" />
      {list.data && list.data.data.length === 0 && <Empty>No event types yet.</Empty>}
      {list.data && list.data.data.length > 0 && (
        <div className="table-wrap">
          <table className="list" aria-label="Event types">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Schema</th>
                <th scope="col">Changed</th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((t) => (
                <tr key={t.name}>
                  <td>
                    <a href={href(`event-types/${encodeURIComponent(t.name)}`)}>
                      <code>{t.name}</code>
                    </a>
                  </td>
                  <td>{t.description || <span className="muted">—</span>}</td>
                  <td>{t.schema ? 'JSON Schema' : <span className="muted">any payload</span>}</td>
                  <td>
                    <Time value={t.updated_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data && <Pager page={pager.page} next={list.data.next_cursor} onOlder={pager.older} onNewer={pager.newer} />}
    </section>
  );
}
