export function WorkflowsPage() {
  return <p>Coming soon.</p>;
}
