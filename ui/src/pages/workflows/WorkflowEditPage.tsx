import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { api, ApiError } from '../../api/client';
import type { DefinitionError } from '../../api/types';
import { ErrorBox, PageTitle } from '../../components/common';
import { YamlView } from '../../components/YamlView';
import { usePolling } from '../../lib/use-polling';

const TEMPLATE = `version: '2.0'

my_workflow:
  input:
    - name: world
  tasks:
    hello:
      action: std.echo output="Hello <% $.name %>"
`;

/** Upload new workflows or edit one: validated by the API, its errors shown at their line. */
export function WorkflowEditPage() {
  const { name } = useParams();
  const navigate = useNavigate();
  const existing = usePolling(() => (name ? api.workflow(name) : Promise.resolve(undefined)), [name], 0, false);
  const [text, setText] = useState(name ? '' : TEMPLATE);
  const [errors, setErrors] = useState<DefinitionError[]>([]);
  const [message, setMessage] = useState<unknown>();
  const [checked, setChecked] = useState<string>();

  useEffect(() => {
    if (existing.data) setText(existing.data.definition);
  }, [existing.data]);

  const validate = async (): Promise<boolean> => {
    setMessage(undefined);
    try {
      const answer = await api.validateWorkflows(text);
      if (answer.valid) {
        setErrors([]);
        setChecked('The definition is valid.');
        return true;
      }
      setErrors(answer.errors ?? []);
      setChecked(undefined);
      setMessage(new Error(answer.error ?? `${answer.errors?.length ?? 0} error(s) in the definition`));
    } catch (failure) {
      setMessage(failure);
    }
    return false;
  };

  const save = async () => {
    if (!(await validate())) return;
    try {
      const saved = name ? await api.updateWorkflows(text) : await api.createWorkflows(text);
      navigate(`/workflows/${encodeURIComponent(saved.workflows[0]?.name ?? name ?? '')}`);
    } catch (failure) {
      if (failure instanceof ApiError) setErrors(failure.definitionErrors);
      setMessage(failure);
    }
  };

  return (
    <>
      <PageTitle>{name ? `Edit workflow ${name}` : 'Upload workflows'}</PageTitle>
      <ErrorBox error={existing.error} />
      <label htmlFor="definition">Definition (YAML)</label>
      <textarea id="definition" className="editor" spellCheck={false} value={text} onChange={(event) => setText(event.target.value)} />
      <div className="actions">
        <button type="button" onClick={() => void validate()}>
          Validate
        </button>{' '}
        <button type="button" className="primary" onClick={() => void save()}>
          {name ? 'Save' : 'Create'}
        </button>
      </div>
      <ErrorBox error={message} />
      {checked ? <p role="status">{checked}</p> : null}
      {errors.length > 0 ? (
        <>
          <h2>Errors at their lines</h2>
          <YamlView text={text} errors={errors} label="definition with its errors" />
        </>
      ) : null}
    </>
  );
}
