import type { ActionHandler } from '../action.types';
import { httpAction } from './http.action';

/**
 * std.mistral_http: std.http that tells the receiver who is waiting, with Mistral's headers, and
 * then waits (an asynchronous action) until the receiver gives the result with PUT on the
 * callback URL. `publicUrl` is where receivers reach this service (SIROCCO_PUBLIC_URL).
 */
export function mistralHttpAction(publicUrl: string): ActionHandler {
  return {
    ...httpAction,
    name: 'std.mistral_http',
    description:
      'Sends an HTTP request with the Mistral-* callback headers (workflow, execution, task, action execution, callback URL), ' +
      'then waits until the result is given with PUT /v2/action_executions/{id}.',
    isAsync: () => true,
    async run(input, context) {
      const given = input.headers && typeof input.headers === 'object' && !Array.isArray(input.headers) ? (input.headers as Record<string, unknown>) : {};
      const headers: Record<string, unknown> = {
        ...given,
        'Mistral-Workflow-Name': context.workflowName ?? '',
        'Mistral-Workflow-Execution-Id': context.workflowExecutionId ?? '',
        'Mistral-Task-Id': context.taskExecutionId ?? '',
        'Mistral-Action-Execution-Id': context.actionExecutionId,
        'Mistral-Callback-URL': `${publicUrl}/v2/action_executions/${context.actionExecutionId}`,
      };
      await httpAction.run({ ...input, headers }, context);
      // the result is what the receiver gives later
      return null;
    },
  };
}
