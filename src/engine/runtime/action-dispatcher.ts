import type { ActionCatalog } from '../../actions/action-catalog';
import type { ActionExecutionEntity } from '../action-execution.entity';
import type { ActionOutcome } from '../engine-events';
import { actionErrorOutcome, runActionHandler } from '../run/action-outcome';

/**
 * Runs the actions a committed transition handed over, at most `maxConcurrent` at once, and
 * reports each end. It knows which actions this instance holds (running, waiting, or whose end is
 * being recorded), so their leases are renewed and nobody else takes them over.
 */
export class ActionDispatcher {
  private readonly running = new Map<string, AbortController>();
  private readonly waiting: ActionExecutionEntity[] = [];
  /** actions whose end is waiting to be recorded (their lease is still renewed, nobody else takes them) */
  private readonly finishing = new Set<string>();
  private stopping = false;

  constructor(
    private readonly actions: ActionCatalog,
    private readonly maxConcurrent: number,
    /** records the end of an action of a workflow (null: an asynchronous action now waits for its result); resolves once recorded */
    private readonly report: (action: ActionExecutionEntity, outcome: ActionOutcome | null) => Promise<void>,
  ) {}

  enqueue(actions: ActionExecutionEntity[]): void {
    for (const action of actions) this.waiting.push(action);
    this.startWaiting();
  }

  /** Their task timed out or their execution ended: the handlers' signals are aborted. */
  abort(actionIds: string[]): void {
    for (const id of actionIds) this.running.get(id)?.abort(new Error('abandoned'));
  }

  /** Actions this instance is running, will run, or has run and is recording the end of. */
  heldActionIds(): string[] {
    return [...this.running.keys(), ...this.finishing, ...this.waiting.map((action) => action.id)];
  }

  /** The service stops: running handlers are aborted, and their ends are not recorded (their leases lapse). */
  stop(): void {
    this.stopping = true;
    for (const controller of this.running.values()) controller.abort(new Error('the service is stopping'));
  }

  private startWaiting(): void {
    while (this.waiting.length > 0 && this.running.size < this.maxConcurrent && !this.stopping) {
      void this.run(this.waiting.shift()!);
    }
  }

  private async run(action: ActionExecutionEntity): Promise<void> {
    const controller = new AbortController();
    this.running.set(action.id, controller);
    const handler = this.actions.get(action.name, action.projectId);
    let outcome: ActionOutcome;
    try {
      outcome = handler
        ? await runActionHandler(handler, action.input, {
            workflowExecutionId: action.workflowExecutionId ?? undefined,
            workflowName: action.workflowName ?? undefined,
            taskExecutionId: action.taskExecutionId ?? undefined,
            actionExecutionId: action.id,
            signal: controller.signal,
          })
        : actionErrorOutcome(new Error(`unknown action '${action.name}'`));
    } finally {
      this.running.delete(action.id);
      this.startWaiting();
    }
    // stopping: leave the action RUNNING with its lease; whoever takes it over decides
    if (this.stopping || !action.workflowExecutionId) return;
    this.finishing.add(action.id);
    try {
      // an asynchronous action that started well ends later, when its result is given
      await this.report(action, outcome.ok && handler?.isAsync?.(action.input) ? null : outcome);
    } finally {
      this.finishing.delete(action.id);
    }
  }
}
