import { useEffect, useState, type FormEvent } from 'react';
import type { EventTypeOut, SettingsOut } from '@herald/schemas';
import { api } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, FieldError, Loading, useAction, useLoad } from '../ui.js';
import { loadAllEventTypes } from './registry.js';

/** Addresses as typed (commas, spaces or lines between them). */
function addressesOf(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Who is emailed of what: the tenant's primary contact, and per event type
 * whether its events are emailed and to which subscribers. Admin only (the
 * settings hold people's addresses); the api checks every address (422).
 */
export function NotificationsScreen() {
  const { canWrite } = useSession();
  const settings = useLoad(() => (canWrite ? api<SettingsOut>('GET', '/settings') : Promise.resolve(null)), [canWrite]);
  const types = useLoad(() => loadAllEventTypes(), []);
  if (!canWrite) {
    return (
      <section aria-labelledby="notifications-title">
        <h1 id="notifications-title">Notifications</h1>
        <p className="notice">Notification settings hold people&apos;s email addresses: sign in with an admin key to see and change them.</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="notifications-title">
      <h1 id="notifications-title">Notifications</h1>
      {(settings.loading || types.loading) && <Loading what="the notification settings" />}
      <ErrorBox error={settings.error ?? types.error} title="Could not load the notification settings" />
      {settings.data && !settings.data.email_configured && (
        <p className="notice" role="status">
          Email is not configured on this Herald (HERALD_SMTP_URL): email settings cannot be turned on.
        </p>
      )}
      {settings.data && <PrimaryContact settings={settings.data} onSaved={settings.reload} />}
      {types.data && (
        <div className="table-wrap">
          <table className="list" aria-label="Email per event type">
            <thead>
              <tr>
                <th scope="col">Event type</th>
                <th scope="col">Email</th>
                <th scope="col">Subscribers (besides the primary contact)</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {types.data.map((t) => (
                <EmailRow key={t.name} type={t} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function PrimaryContact({ settings, onSaved }: { settings: SettingsOut; onSaved: () => void }) {
  const [value, setValue] = useState(settings.primary_contact_email ?? '');
  const save = useAction();
  const [saved, setSaved] = useState(false);
  useEffect(() => setValue(settings.primary_contact_email ?? ''), [settings.primary_contact_email]);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const done = await save.run(() => api<SettingsOut>('PATCH', '/settings', { primary_contact_email: value.trim() || null }));
    if (done) {
      setSaved(true);
      onSaved();
    }
  };
  return (
    <form onSubmit={submit} aria-label="Primary contact" className="inline-form">
      <label htmlFor="primary-contact">Primary contact</label>
      <input id="primary-contact" type="email" value={value} onChange={(e) => setValue(e.target.value)} placeholder="ops@example.com" />
      <button type="submit" className="primary" disabled={save.busy}>
        Save
      </button>
      {saved && <span role="status">Saved.</span>}
      <FieldError error={save.error} path="primary_contact_email" />
      <ErrorBox error={save.error} title="Could not save the primary contact" />
    </form>
  );
}

function EmailRow({ type }: { type: EventTypeOut }) {
  const [enabled, setEnabled] = useState(type.email.enabled);
  const [subscribers, setSubscribers] = useState(type.email.subscribers.join(', '));
  const [saved, setSaved] = useState(false);
  const save = useAction();
  const submit = async () => {
    setSaved(false);
    const answer = await save.run(() =>
      api<EventTypeOut>('PATCH', `/event-types/${encodeURIComponent(type.name)}`, { email: { enabled, subscribers: addressesOf(subscribers) } }),
    );
    if (answer) {
      setSubscribers(answer.email.subscribers.join(', '));
      setSaved(true);
    }
  };
  return (
    <tr>
      <td>
        <code>{type.name}</code>
      </td>
      <td>
        <label>
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} aria-label={`Email ${type.name}`} /> on
        </label>
      </td>
      <td>
        <input
          type="text"
          value={subscribers}
          onChange={(e) => setSubscribers(e.target.value)}
          aria-label={`Subscribers of ${type.name}`}
          placeholder="a@example.com, b@example.com"
        />
        <FieldError error={save.error} path="email" />
        <ErrorBox error={save.error} title={`Could not save the email of ${type.name}`} />
      </td>
      <td>
        <button type="button" onClick={submit} disabled={save.busy} aria-label={`Save email of ${type.name}`}>
          Save
        </button>
        {saved && <span role="status"> Saved.</span>}
      </td>
    </tr>
  );
}
