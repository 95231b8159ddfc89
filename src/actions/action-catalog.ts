import { ActionInputError, type ActionDescriptor, type ActionHandler } from './action.types';

/**
 * Every action the service can run, by name. Workflow definitions are checked against it when
 * they are stored, so a misspelt action is a 400 at upload rather than a failed run at 05:00.
 */
export class ActionCatalog {
  private readonly byName = new Map<string, ActionHandler>();

  constructor(handlers: Iterable<ActionHandler> = []) {
    for (const handler of handlers) this.register(handler);
  }

  register(handler: ActionHandler): void {
    if (this.byName.has(handler.name)) throw new Error(`action ${handler.name} is registered twice`);
    this.byName.set(handler.name, handler);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): ActionHandler | undefined {
    return this.byName.get(name);
  }

  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  list(): ActionDescriptor[] {
    return [...this.byName.values()];
  }

  /**
   * The input an action runs with: defaults filled in; a missing required or an unknown parameter
   * is refused with Mistral's message, so the task fails before anything is sent anywhere.
   */
  prepareInput(name: string, input: Record<string, unknown> | null | undefined): Record<string, unknown> {
    const handler = this.byName.get(name);
    if (!handler) throw new ActionInputError(`Action not found [action_name=${name}]`);
    const given = input ?? {};
    if (typeof given !== 'object' || Array.isArray(given)) {
      throw new ActionInputError(`Invalid input [name=${name}]: the input must be an object of parameters`);
    }
    const known = new Set(handler.parameters.map((parameter) => parameter.name));
    const unexpected = handler.acceptsOtherParameters ? [] : Object.keys(given).filter((key) => !known.has(key));
    const missing = handler.parameters.filter((parameter) => !('default' in parameter) && !(parameter.name in given)).map((parameter) => parameter.name);
    if (unexpected.length > 0 || missing.length > 0) {
      const parts = [`name=${name}`];
      if (missing.length > 0) parts.push(`missing=[${missing.map((key) => `'${key}'`).join(', ')}]`);
      if (unexpected.length > 0) parts.push(`unexpected=[${unexpected.map((key) => `'${key}'`).join(', ')}]`);
      const expected = handler.parameters.map((parameter) => parameter.name).join(', ') || 'none';
      throw new ActionInputError(`Invalid input [${parts.join(', ')}]; parameters: ${expected}`);
    }
    const prepared: Record<string, unknown> = {};
    for (const parameter of handler.parameters) {
      prepared[parameter.name] = parameter.name in given ? given[parameter.name] : parameter.default;
    }
    if (handler.acceptsOtherParameters) {
      for (const [key, value] of Object.entries(given)) if (!known.has(key)) prepared[key] = value;
    }
    return prepared;
  }
}
