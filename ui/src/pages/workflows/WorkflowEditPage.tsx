export function WorkflowEditPage() {
  return <p>Coming soon.</p>;
}
