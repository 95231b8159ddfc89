import type { ReactNode } from 'react';
import { stateColours } from '../lib/states';

/** An API error as the API said it (its faultstring), in an alert region screen readers announce. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" className="error-box">
      {message}
    </div>
  );
}

export function StateBadge({ state }: { state: string }) {
  const colours = stateColours(state);
  return (
    <span className="state" data-state={state} style={{ background: colours.fill, color: colours.text }}>
      {state}
    </span>
  );
}

/** A JSON value, pretty-printed. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return (
    <pre className="json" aria-label={label} tabIndex={0}>
      {text}
    </pre>
  );
}

export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-title">
      <h1>{children}</h1>
      {actions ? <div className="actions">{actions}</div> : null}
    </div>
  );
}

export function Loading() {
  return <p aria-live="polite">Loading…</p>;
}
