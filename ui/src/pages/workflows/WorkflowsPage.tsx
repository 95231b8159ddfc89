import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { ErrorBox, Loading, PageTitle } from '../../components/common';
import { usePolling } from '../../lib/use-polling';

export function WorkflowsPage() {
  const workflows = usePolling(() => api.workflows(), [], 0, false);
  return (
    <>
      <PageTitle
        actions={
          <Link className="button" to="/workflows/new">
            Upload workflows
          </Link>
        }
      >
        Workflows
      </PageTitle>
      <ErrorBox error={workflows.error} />
      {workflows.data === undefined && !workflows.error ? (
        <Loading />
      ) : (
        <table aria-label="Workflows">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Input</th>
              <th scope="col">Tags</th>
              <th scope="col">Scope</th>
              <th scope="col">Updated (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {(workflows.data ?? []).map((workflow) => (
              <tr key={workflow.id}>
                <td>
                  <Link to={`/workflows/${encodeURIComponent(workflow.name)}`}>{workflow.name}</Link>
                </td>
                <td className="mono">{workflow.input}</td>
                <td>{workflow.tags.join(', ')}</td>
                <td>{workflow.scope}</td>
                <td>{workflow.updated_at ?? workflow.created_at}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
