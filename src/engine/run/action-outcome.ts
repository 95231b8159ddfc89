import { ActionFailure, type ActionHandler, type ActionRunContext } from '../../actions/action.types';
import type { ActionOutcome } from '../engine-events';

/** An error as the text a user reads in state_info. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/** An action's exception as the task sees it: ActionFailure data, or the message. */
export function actionErrorOutcome(error: unknown): ActionOutcome {
  if (error instanceof ActionFailure) return { ok: false, error: error.data ?? error.message, message: error.message };
  return { ok: false, error: errorMessage(error), message: errorMessage(error) };
}

/**
 * Runs one action and says how it ended; never throws. The one place that turns a handler's result
 * or exception into an outcome: inline actions of a transition, actions the engine dispatches, and
 * one-off actions of `POST /v2/action_executions` all come through here.
 */
export async function runActionHandler(handler: ActionHandler, input: Record<string, unknown>, context: ActionRunContext): Promise<ActionOutcome> {
  try {
    const result = await handler.run(input, context);
    return { ok: true, result: result ?? null };
  } catch (error) {
    return actionErrorOutcome(error);
  }
}
