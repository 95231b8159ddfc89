export function TriggersPage() {
  return <p>Coming soon.</p>;
}
