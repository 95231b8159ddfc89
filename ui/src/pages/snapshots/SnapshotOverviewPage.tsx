export function SnapshotOverviewPage() {
  return <p>Coming soon.</p>;
}
