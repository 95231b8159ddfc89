export function TriggerDetailPage() {
  return <p>Coming soon.</p>;
}
