import { useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../../api/client';
import { ErrorBox, Loading, PageTitle } from '../../components/common';
import { InputsForm } from '../../components/InputsForm';
import { YamlView } from '../../components/YamlView';
import { usePolling } from '../../lib/use-polling';
import { formInput, parseInputList } from '../../lib/workflow-inputs';

/** One workflow: its definition highlighted, and a form to run it from its inputs. */
export function WorkflowDetailPage() {
  const { name = '' } = useParams();
  const navigate = useNavigate();
  const workflow = usePolling(() => api.workflow(name), [name], 0, false);
  const fields = useMemo(() => parseInputList(workflow.data?.input), [workflow.data?.input]);
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();

  if (!workflow.data) return workflow.error ? <ErrorBox error={workflow.error} /> : <Loading />;
  const current = workflow.data;
  const run = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const execution = await api.startExecution(current.name, formInput(fields, values));
      navigate(`/executions/${execution.id}`);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <>
      <PageTitle
        actions={
          <>
            <Link className="button" to={`/workflows/${encodeURIComponent(current.name)}/edit`}>
              Edit
            </Link>
            <Link className="button" to={`/executions?workflow=${encodeURIComponent(current.name)}`}>
              Executions
            </Link>
          </>
        }
      >
        Workflow {current.name}
      </PageTitle>
      <section aria-labelledby="run-title">
        <h2 id="run-title">Run</h2>
        <form className="form" aria-label={`Run ${current.name}`} onSubmit={(event) => void run(event)}>
          <InputsForm fields={fields} values={values} onChange={setValues} />
          <ErrorBox error={error} />
          <div>
            <button type="submit" className="primary">
              Run {current.name}
            </button>
          </div>
        </form>
      </section>
      <h2>Definition</h2>
      <YamlView text={current.definition} label={`definition of ${current.name}`} />
    </>
  );
}
