import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { SessionOut } from '@herald/schemas';
import { api, ApiError, currentSession, onSessionLost, signIn, useCsrfToken } from './api.js';
import { href, useRoute } from './router.js';
import { SessionContext } from './session.js';
import { ErrorBox, Loading } from './ui.js';
import { EndpointsScreen } from './screens/endpoints.js';
import { EndpointDetailScreen } from './screens/endpoint-detail.js';
import { EndpointFormScreen } from './screens/endpoint-form.js';
import { DeliveriesScreen } from './screens/deliveries.js';
import { DeliveryDetailScreen } from './screens/delivery-detail.js';
import { EventTypesScreen } from './screens/event-types.js';
import { EventTypeEditorScreen } from './screens/event-type-editor.js';
import { NotificationsScreen } from './screens/notifications.js';

type State = { kind: 'checking' } | { kind: 'signed-out'; reason?: string } | { kind: 'signed-in'; session: SessionOut };

/** The console: sign-in, then the screens, each at its own hash route. */
export function App() {
  const [state, setState] = useState<State>({ kind: 'checking' });
  const [startError, setStartError] = useState<unknown>(null);

  const enter = useCallback((session: SessionOut | null, reason?: string) => {
    useCsrfToken(session?.csrf_token ?? null);
    setState(session ? { kind: 'signed-in', session } : { kind: 'signed-out', reason });
  }, []);

  useEffect(() => {
    currentSession().then((s) => enter(s), setStartError);
    return onSessionLost(() => enter(null, 'Your session has ended: it expired, you signed out elsewhere, or its API key was revoked. Sign in again.'));
  }, [enter]);

  if (startError) return <ErrorBox error={startError} title="The console could not start" />;
  if (state.kind === 'checking') return <Loading what="the console" />;
  if (state.kind === 'signed-out') return <SignIn reason={state.reason} onSignedIn={(s) => enter(s)} />;
  return (
    <SessionContext.Provider value={{ session: state.session, canWrite: state.session.scope === 'admin' }}>
      <Shell session={state.session} onSignedOut={() => enter(null, 'You have signed out.')} />
    </SessionContext.Provider>
  );
}

function SignIn({ reason, onSignedIn }: { reason?: string; onSignedIn: (s: SessionOut) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(key.trim()));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <h1>Herald</h1>
      <form onSubmit={submit} aria-label="Sign in">
        {reason && (
          <p className="notice" role="status">
            {reason}
          </p>
        )}
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={key}
          onChange={(e) => setKey(e.target.value)}
          placeholder="herald_admin_… or herald_read_…"
          aria-describedby="api-key-help"
        />
        <p id="api-key-help" className="help">
          An <code>admin</code> key can change everything; a <code>read</code> key gets a read-only console. The key is exchanged for a
          session cookie and is not kept in the browser.
        </p>
        <ErrorBox error={error} title="Could not sign in" />
        <button type="submit" className="primary" disabled={busy || !key.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

const SECTIONS = [
  { path: 'endpoints', label: 'Endpoints' },
  { path: 'deliveries', label: 'Deliveries' },
  { path: 'event-types', label: 'Event types' },
  { path: 'notifications', label: 'Notifications' },
] as const;

function Shell({ session, onSignedOut }: { session: SessionOut; onSignedOut: () => void }) {
  const route = useRoute();
  const [section = 'endpoints', id, sub] = route.path;
  const [signOutError, setSignOutError] = useState<unknown>(null);
  const signOut = async () => {
    try {
      await api('DELETE', '/sessions/current');
      onSignedOut();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) onSignedOut();
      else setSignOutError(error);
    }
  };
  return (
    <div className="shell">
      <a className="skip" href="#content">
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href={href('endpoints')}>
          Herald
        </a>
        <nav aria-label="Sections">
          {SECTIONS.map((s) => (
            <a key={s.path} href={href(s.path)} aria-current={section === s.path ? 'page' : undefined}>
              {s.label}
            </a>
          ))}
        </nav>
        <div className="who">
          <span title={`${session.key_name} (${session.tenant_id})`}>
            <code>{session.key_prefix}…</code> <span className={`badge badge-scope`}>{session.scope === 'admin' ? 'admin' : 'read-only'}</span>
          </span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <ErrorBox error={signOutError} title="Could not sign out" />
      <main id="content" tabIndex={-1}>
        <Screen section={section} id={id} sub={sub} params={route.params} />
      </main>
    </div>
  );
}

function Screen({ section, id, sub, params }: { section: string; id?: string; sub?: string; params: URLSearchParams }) {
  switch (section) {
    case 'endpoints':
      if (id === 'new') return <EndpointFormScreen />;
      if (id && sub === 'edit') return <EndpointFormScreen id={id} />;
      if (id) return <EndpointDetailScreen id={id} />;
      return <EndpointsScreen params={params} />;
    case 'deliveries':
      if (id) return <DeliveryDetailScreen id={id} />;
      return <DeliveriesScreen params={params} />;
    case 'event-types':
      if (id === 'new') return <EventTypeEditorScreen />;
      if (id) return <EventTypeEditorScreen name={id} />;
      return <EventTypesScreen />;
    case 'notifications':
      return <NotificationsScreen />;
    default:
      return <p>No such screen. Go to <a href={href('endpoints')}>Endpoints</a>.</p>;
  }
}
