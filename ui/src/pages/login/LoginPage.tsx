import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import { session } from '../../api/session';
import { ErrorBox, PageTitle } from '../../components/common';

/** keystone mode: log in through Sirocco (POST /v2/auth/tokens) with a password or a token; the token is kept in this tab only. */
export function LoginPage({ onLogin }: { onLogin: (who: string) => void }) {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [method, setMethod] = useState<'password' | 'token'>('password');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => String(form.get(name) ?? '').trim();
    const body: Record<string, string> =
      method === 'password'
        ? { username: field('username'), password: String(form.get('password') ?? ''), project: field('project'), domain: field('domain') || 'default' }
        : { token: field('token'), ...(field('project_id') ? { project_id: field('project_id') } : {}) };
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api.login(body);
      const who = `${answer.user.name} @ ${answer.project.name}`;
      session.save(answer.token, who);
      onLogin(who);
      navigate(params.get('next') || '/executions', { replace: true });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageTitle>Log in</PageTitle>
      <p>Sirocco runs in Keystone mode: log in with your OpenStack account. Your token stays in this browser tab.</p>
      <fieldset className="choice">
        <legend>Log in with</legend>
        <label>
          <input type="radio" name="method" checked={method === 'password'} onChange={() => setMethod('password')} /> a password
        </label>
        <label>
          <input type="radio" name="method" checked={method === 'token'} onChange={() => setMethod('token')} /> a token
        </label>
      </fieldset>
      <form className="form" aria-label="Log in" onSubmit={(event) => void submit(event)}>
        {method === 'password' ? (
          <>
            <label>
              User name
              <input name="username" autoComplete="username" required />
            </label>
            <label>
              Password
              <input name="password" type="password" autoComplete="current-password" required />
            </label>
            <label>
              Project
              <input name="project" required />
            </label>
            <label>
              Domain
              <input name="domain" defaultValue="default" />
            </label>
          </>
        ) : (
          <>
            <label>
              Token
              <input name="token" type="password" required />
            </label>
            <label>
              Project id (optional)
              <input name="project_id" />
            </label>
          </>
        )}
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>
          Log in
        </button>
      </form>
    </>
  );
}
