import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError } from './api.js';

/** A time in the viewer's time zone, with the exact UTC time on hover. */
export function Time({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  const date = new Date(value);
  const local = date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return (
    <time dateTime={value} title={`${date.toISOString().replace('T', ' ').replace('Z', ' UTC')}`}>
      {local}
    </time>
  );
}

/** An API error (or any other) with its message and, for a refused field, which one and why. */
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : null;
  return (
    <div className="error-box" role="alert">
      <strong>{title ?? 'Herald refused this'}</strong>
      {apiError && apiError.status > 0 && <span className="muted"> ({apiError.status} {apiError.code})</span>}
      <p>{error instanceof Error ? error.message : String(error)}</p>
      {apiError && apiError.details.length > 0 && (
        <ul>
          {apiError.details.map((d) => (
            <li key={`${d.path}:${d.message}`}>
              {d.path && <code>{d.path}</code>} {d.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A field's error from an API answer, under the field it names. */
export function FieldError({ error, path, id }: { error: unknown; path: string; id?: string }) {
  const message = error instanceof ApiError ? error.fieldMessage(path) : undefined;
  if (!message) return null;
  return (
    <p className="field-error" id={id} role="alert">
      {message}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** The state of one API read: loading, its value or its error, and a way to read again. */
export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` now and whenever `deps` change; `reload` runs it again. A stale answer is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Runs one write at a time, keeping its error for display. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (failure) {
      setError(failure);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/**
 * A modal confirmation (the native <dialog>: focus stays inside, Escape
 * cancels). `onConfirm` runs the action; the dialog closes when it succeeds
 * and shows the API's error when it does not.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger,
  onConfirm,
  onClose,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const { busy, error, run } = useAction();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose} onCancel={onClose}>
      <h2 id={titleId}>{title}</h2>
      <div className="dialog-body">{children}</div>
      <ErrorBox error={error} />
      <div className="actions">
        <button type="button" onClick={onClose} disabled={busy}>
          Cancel
        </button>
        <button
          type="button"
          className={danger ? 'danger' : 'primary'}
          disabled={busy}
          onClick={async () => {
            const done = await run(async () => {
              await onConfirm();
              return true;
            });
            if (done) onClose();
          }}
        >
          {busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** Copies a value to the clipboard and says so. */
export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  return (
    <button
      type="button"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(value);
          setCopied('yes');
        } catch {
          setCopied('failed');
        }
      }}
    >
      {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy failed: select and copy it' : label}
    </button>
  );
}

/** A secret shown once, with a copy button. */
export function SecretOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  return (
    <section className="secret" aria-label="Signing secret" role="region">
      <h2>Signing secret</h2>
      <p>
        <strong>Save it now: it will not be shown again.</strong> Your receiver verifies every request with it.
      </p>
      <div className="secret-value">
        <code data-testid="signing-secret">{secret}</code>
        <CopyButton value={secret} label="Copy secret" />
      </div>
      <button type="button" onClick={onDone}>
        I have saved it
      </button>
    </section>
  );
}

/** A delivery or attempt status as a coloured label. */
export function StatusBadge({ status }: { status: string | null | undefined }) {
  if (!status) return <span className="muted">—</span>;
  return <span className={`badge badge-${status}`}>{status}</span>;
}

/** JSON text, pretty when it parses. */
export function JsonBlock({ text, label }: { text: string | null; label: string }) {
  if (text === null || text === '') return <p className="muted">(empty)</p>;
  let pretty = text;
  try {
    pretty = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: show as sent
  }
  return (
    <pre className="code" aria-label={label} tabIndex={0}>
      {pretty}
    </pre>
  );
}

/** A header map as a two-column table. */
export function HeadersTable({ headers, label }: { headers: Record<string, string> | null; label: string }) {
  if (!headers || Object.keys(headers).length === 0) return <p className="muted">(none)</p>;
  return (
    <table className="headers" aria-label={label}>
      <tbody>
        {Object.entries(headers).map(([name, value]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>
              <code>{value}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Pages of a cursor-paged list: the cursors walked so far, so "Newer" goes back. */
export function usePager(resetKey: string) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  useEffect(() => setCursors([undefined]), [resetKey]);
  const cursor = cursors[cursors.length - 1];
  return {
    cursor,
    page: cursors.length,
    older: (next: string) => setCursors((c) => [...c, next]),
    newer: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
  };
}

export function Pager({ page, next, onOlder, onNewer }: { page: number; next: string | null | undefined; onOlder: (c: string) => void; onNewer: () => void }) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" onClick={onNewer} disabled={page <= 1}>
        ← Newer
      </button>
      <span>Page {page}</span>
      <button type="button" onClick={() => next && onOlder(next)} disabled={!next}>
        Older →
      </button>
    </nav>
  );
}

export interface FieldProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

/** A labelled input whose API error (by `path`) is shown under it and announced. */
export function Field({ label, path, error, help, children }: { label: string; path: string; error: unknown; help?: string; children: (props: FieldProps) => ReactNode }) {
  const id = useId();
  const errorId = `${id}-error`;
  const helpId = `${id}-help`;
  const message = error instanceof ApiError ? error.fieldMessage(path) : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(message), 'aria-describedby': [help ? helpId : '', message ? errorId : ''].filter(Boolean).join(' ') || undefined })}
      {help && (
        <p className="help" id={helpId}>
          {help}
        </p>
      )}
      <FieldError error={error} path={path} id={errorId} />
    </div>
  );
}
