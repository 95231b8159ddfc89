import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { ErrorBox, Loading, PageTitle, StateBadge } from '../../components/common';
import { snapshotOverview, SNAPSHOT_WORKFLOWS } from '../../lib/snapshot-overview';
import { durationBetween, formatDuration, parseApiTime } from '../../lib/times';
import { usePolling } from '../../lib/use-polling';

/** A day and two hours: a nightly snapshot older than that was missed. */
const STALE_AFTER_MS = 26 * 3600 * 1000;

/** What an operator checks every morning: per server, the last good snapshot and its age, the next one, and the servers whose last run failed. */
export function SnapshotOverviewPage() {
  const data = usePolling(
    async () => {
      const [executions, triggers] = await Promise.all([
        Promise.all(SNAPSHOT_WORKFLOWS.map((workflow) => api.executions({ workflow_name: workflow }, 1000))).then((lists) => lists.flat()),
        api.triggers(),
      ]);
      return snapshotOverview(executions, triggers);
    },
    [],
    10000,
  );
  const failing = (data.data ?? []).filter((entry) => entry.failing);
  return (
    <>
      <PageTitle>Snapshots</PageTitle>
      <ErrorBox error={data.error} />
      {data.data === undefined && !data.error ? (
        <Loading />
      ) : (
        <>
          <section aria-labelledby="failing-title">
            <h2 id="failing-title">Servers whose last run failed</h2>
            {failing.length === 0 ? (
              <p>None.</p>
            ) : (
              <ul>
                {failing.map((entry) => (
                  <li key={entry.server}>
                    <strong>{entry.server}</strong>: <Link to={`/executions/${entry.lastRun.id}`}>{entry.lastRun.state_info ?? entry.lastRun.state}</Link>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <table aria-label="Snapshots per server">
            <thead>
              <tr>
                <th scope="col">Server</th>
                <th scope="col">Last successful snapshot (UTC)</th>
                <th scope="col">Age</th>
                <th scope="col">Last run</th>
                <th scope="col">Next scheduled (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {(data.data ?? []).map((entry) => {
                const success = parseApiTime(entry.lastSuccess?.updated_at);
                const age = success ? Date.now() - success.getTime() : null;
                return (
                  <tr key={entry.server} data-server={entry.server}>
                    <th scope="row">{entry.server}</th>
                    <td>{entry.lastSuccess ? <Link to={`/executions/${entry.lastSuccess.id}`}>{entry.lastSuccess.updated_at}</Link> : 'never'}</td>
                    <td className={age === null || age > STALE_AFTER_MS ? 'stale' : undefined}>{age === null ? '—' : formatDuration(age)}</td>
                    <td>
                      <StateBadge state={entry.lastRun.state} /> {durationBetween(entry.lastRun.created_at, null)} ago
                    </td>
                    <td>{entry.nextScheduled ?? 'none'}</td>
                  </tr>
                );
              })}
              {data.data?.length === 0 ? (
                <tr>
                  <td colSpan={5}>No snapshot has run yet.</td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
