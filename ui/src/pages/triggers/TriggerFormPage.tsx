export function TriggerFormPage() {
  return <p>Coming soon.</p>;
}
