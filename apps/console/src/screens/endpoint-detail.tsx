import { useState } from 'react';
import type { EndpointAttemptOut, EndpointHourlyOut, EndpointOut, EndpointStatsOut, EndpointTestOut, Page, RotateSecretOut } from '@herald/schemas';
import { api, query } from '../api.js';
import { href, navigate } from '../router.js';
import { useSession } from '../session.js';
import { ConfirmDialog, Empty, ErrorBox, Loading, Pager, SecretOnce, StatusBadge, Time, useAction, useLoad, usePager } from '../ui.js';
import { HourlyChart } from './hourly-chart.js';
import { disabledWhy } from './endpoints.js';
import { describeSignature } from './endpoint-format.js';

type Dialog = 'rotate' | 'delete' | 'disable' | null;

/** One endpoint: its settings and health, the last 24 hours per hour, its attempts, and what can be done to it. */
export function EndpointDetailScreen({ id }: { id: string }) {
  const { canWrite } = useSession();
  const path = `/endpoints/${encodeURIComponent(id)}`;
  const endpoint = useLoad(() => api<EndpointOut>('GET', path), [id]);
  const stats = useLoad(() => api<EndpointStatsOut>('GET', `${path}/stats?window=24h`), [id]);
  const hourly = useLoad(() => api<EndpointHourlyOut>('GET', `${path}/stats/hourly?hours=24`), [id]);
  const pager = usePager(id);
  const attempts = useLoad(() => api<Page<EndpointAttemptOut>>('GET', `${path}/attempts${query({ limit: 20, cursor: pager.cursor })}`), [id, pager.cursor]);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [test, setTest] = useState<EndpointTestOut | null>(null);
  const action = useAction();

  const reloadAll = () => {
    endpoint.reload();
    stats.reload();
    hourly.reload();
    attempts.reload();
  };

  if (endpoint.error) return <ErrorBox error={endpoint.error} title="Could not load the endpoint" />;
  const e = endpoint.data;
  if (!e) return <Loading what="the endpoint" />;

  const sendTest = () =>
    action.run(async () => {
      setTest(null);
      setTest(await api<EndpointTestOut>('POST', `${path}/test`, {}));
      reloadAll();
    });
  const enable = () =>
    action.run(async () => {
      await api('PATCH', path, { enabled: true });
      reloadAll();
    });

  return (
    <section aria-labelledby="endpoint-title">
      <p className="crumbs">
        <a href={href('endpoints')}>Endpoints</a> /
      </p>
      <div className="title-row">
        <h1 id="endpoint-title">{e.name || e.url}</h1>
        {e.enabled ? <span className="badge badge-enabled">enabled</span> : <span className="badge badge-disabled">{disabledWhy(e.disabled_reason)}</span>}
      </div>
      {canWrite && (
        <div className="toolbar" role="toolbar" aria-label="Endpoint actions">
          <a className="button" href={href(`endpoints/${id}/edit`)}>
            Edit
          </a>
          <button type="button" onClick={sendTest} disabled={action.busy}>
            Send test event
          </button>
          {e.enabled ? (
            <button type="button" onClick={() => setDialog('disable')}>
              Disable
            </button>
          ) : (
            <button type="button" onClick={enable} disabled={action.busy}>
              Enable
            </button>
          )}
          <button type="button" onClick={() => setDialog('rotate')}>
            Rotate secret
          </button>
          <a className="button" href={href('deliveries', { endpoint_id: id, status: 'dead' })}>
            Dead letters
          </a>
          <button type="button" className="danger" onClick={() => setDialog('delete')}>
            Delete
          </button>
        </div>
      )}
      <ErrorBox error={action.error} />
      {action.busy && <Loading what="the answer" />}
      {test && (
        <div className={`test-result ${test.delivered ? 'ok' : 'failed'}`} role="status" aria-label="Test result">
          <strong>{test.delivered ? 'Test delivered' : 'Test failed'}</strong>: status {test.response_status ?? '—'} in {test.latency_ms} ms
          {test.error && <> · {test.error}</>}
          {test.response_body && <pre className="code">{test.response_body}</pre>}
        </div>
      )}
      {secret && <SecretOnce secret={secret} onDone={() => setSecret(null)} />}

      <div className="cards">
        <dl className="card" aria-label="Settings">
          <dt>URL</dt>
          <dd>
            <code>{e.url}</code>
          </dd>
          <dt>Events</dt>
          <dd>{e.events.join(', ')}</dd>
          <dt>Timeout · attempts · rate</dt>
          <dd>
            {e.timeout_ms} ms · {e.max_attempts} · {e.rate_limit_per_second === null ? 'no limit' : `${e.rate_limit_per_second}/s`}
          </dd>
          <dt>Headers</dt>
          <dd>{Object.keys(e.headers).length === 0 ? 'none' : Object.keys(e.headers).join(', ')}</dd>
          <dt>Signature · body · envelope</dt>
          <dd>
            {describeSignature(e.signature)} · {e.body === 'payload' ? 'payload alone' : 'envelope'} · {e.schema_version}
          </dd>
          <dt>Secret</dt>
          <dd>
            <code>{e.signing_secret_prefix}…</code>
          </dd>
          {e.signing_public_key && (
            <>
              <dt>Public key (v1a)</dt>
              <dd>
                <code className="wrap">{e.signing_public_key}</code>
              </dd>
            </>
          )}
          <dt>Created</dt>
          <dd>
            <Time value={e.created_at} />
          </dd>
        </dl>
        <dl className="card" aria-label="Last 24 hours">
          <dt>Last delivery</dt>
          <dd>
            <StatusBadge status={e.last_delivery_status} /> <Time value={e.last_delivery_at} />
          </dd>
          {stats.data ? (
            <>
              <dt>Success rate (24 h)</dt>
              <dd>{stats.data.success_rate === null ? 'no attempts' : `${Math.round(stats.data.success_rate * 1000) / 10} %`}</dd>
              <dt>Delivered · dead · pending</dt>
              <dd>
                {stats.data.delivered} · {stats.data.dead} · {stats.data.pending}
              </dd>
              <dt>Latency p50 · p99</dt>
              <dd>{stats.data.p50_latency_ms === null ? '—' : `${stats.data.p50_latency_ms} · ${stats.data.p99_latency_ms} ms`}</dd>
            </>
          ) : (
            <ErrorBox error={stats.error} />
          )}
        </dl>
      </div>

      <h2>Delivery status, last 24 hours</h2>
      {hourly.data ? <HourlyChart hours={hourly.data.hours} /> : hourly.error ? <ErrorBox error={hourly.error} /> : <Loading what="the chart" />}

      <h2>Recent attempts</h2>
      {attempts.loading && !attempts.data && <Loading what="attempts" />}
      <ErrorBox error={attempts.error} />
      {attempts.data && attempts.data.data.length === 0 && <Empty>No attempts yet.</Empty>}
      {attempts.data && attempts.data.data.length > 0 && (
        <div className="table-wrap">
          <table className="list" aria-label="Attempts">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event type</th>
                <th scope="col">Attempt</th>
                <th scope="col">Result</th>
                <th scope="col">Status</th>
                <th scope="col">Latency</th>
                <th scope="col">Delivery</th>
              </tr>
            </thead>
            <tbody>
              {attempts.data.data.map((a) => (
                <tr key={a.id}>
                  <td>
                    <Time value={a.created_at} />
                  </td>
                  <td>
                    <code>{a.event_type}</code>
                  </td>
                  <td>{a.attempt}</td>
                  <td>
                    <StatusBadge status={a.status} /> {a.error && <span className="small muted">{a.error}</span>}
                  </td>
                  <td>{a.response_status ?? '—'}</td>
                  <td>{a.latency_ms} ms</td>
                  <td>
                    <a href={href(`deliveries/${a.delivery_id}`)}>{a.delivery_id}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {attempts.data && <Pager page={pager.page} next={attempts.data.next_cursor} onOlder={pager.older} onNewer={pager.newer} />}

      {dialog === 'disable' && (
        <ConfirmDialog
          title="Disable this endpoint?"
          confirmLabel="Disable"
          danger
          onConfirm={async () => {
            await api('PATCH', path, { enabled: false });
            reloadAll();
          }}
          onClose={() => setDialog(null)}
        >
          <p>Nothing more is sent to it. Its pending deliveries become dead, to be replayed once it is enabled again.</p>
        </ConfirmDialog>
      )}
      {dialog === 'rotate' && (
        <ConfirmDialog
          title="Rotate the signing secret?"
          confirmLabel="Rotate"
          onConfirm={async () => {
            const answer = await api<RotateSecretOut>('POST', `${path}/rotate-secret`, { overlap_seconds: 86_400 });
            setSecret(answer.signing_secret);
            endpoint.reload();
          }}
          onClose={() => setDialog(null)}
        >
          <p>A new secret is made and shown once. For 24 hours every request is signed with both, so the receiver can switch at any time.</p>
        </ConfirmDialog>
      )}
      {dialog === 'delete' && (
        <ConfirmDialog
          title="Delete this endpoint?"
          confirmLabel="Delete"
          danger
          onConfirm={async () => {
            await api('DELETE', path);
            navigate('endpoints');
          }}
          onClose={() => setDialog(null)}
        >
          <p>Nothing more is sent to it and its pending deliveries are cancelled. Its deliveries and attempts stay in the outbox.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
