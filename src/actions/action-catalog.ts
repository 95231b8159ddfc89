import { ActionInputError, type ActionDescriptor, type ActionHandler } from './action.types';

/** An action a user defined (ad-hoc): seen by its own project, or by every project when public. */
export interface ScopedActionHandler extends ActionHandler {
  projectId: string;
  scope: 'private' | 'public';
}

/** The actions one project may name: what the workflow language checks a definition against. */
export interface ProjectActions {
  has(name: string): boolean;
  names(): Iterable<string>;
}

/**
 * Every action the service can run, by name: the built-in (system) ones, and the ad-hoc ones users
 * defined, which the ad-hoc service keeps here in step with the database. The one place the engine
 * asks "which action is this name". Workflow definitions are checked against it when they are
 * stored, so a misspelt action is a 400 at upload rather than a failed run at 05:00.
 */
export class ActionCatalog {
  private readonly byName = new Map<string, ActionHandler>();
  private adhocByName = new Map<string, ScopedActionHandler[]>();

  constructor(handlers: Iterable<ActionHandler> = []) {
    for (const handler of handlers) this.register(handler);
  }

  register(handler: ActionHandler): void {
    if (this.byName.has(handler.name)) throw new Error(`action ${handler.name} is registered twice`);
    this.byName.set(handler.name, handler);
  }

  /** The ad-hoc actions, all of them at once (what the database holds now). */
  replaceAdhocActions(handlers: Iterable<ScopedActionHandler>): void {
    const byName = new Map<string, ScopedActionHandler[]>();
    for (const handler of handlers) byName.set(handler.name, [...(byName.get(handler.name) ?? []), handler]);
    this.adhocByName = byName;
  }

  isSystem(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * The action a name means to a project: a system action, else the project's own ad-hoc action,
   * else a public one. Without a project (display only), any ad-hoc action of that name.
   */
  get(name: string, projectId?: string): ActionHandler | undefined {
    const system = this.byName.get(name);
    if (system) return system;
    const adhoc = this.adhocByName.get(name) ?? [];
    if (projectId === undefined) return adhoc[0];
    return adhoc.find((handler) => handler.projectId === projectId) ?? adhoc.find((handler) => handler.scope === 'public');
  }

  has(name: string, projectId?: string): boolean {
    return this.get(name, projectId) !== undefined;
  }

  names(projectId?: string): IterableIterator<string> {
    const adhoc = [...this.adhocByName.keys()].filter((name) => this.has(name, projectId));
    return [...this.byName.keys(), ...adhoc][Symbol.iterator]();
  }

  /** What a definition of this project may name. */
  forProject(projectId: string): ProjectActions {
    return { has: (name) => this.has(name, projectId), names: () => this.names(projectId) };
  }

  /** The system actions (the ad-hoc ones are listed from the database, with their rows' fields). */
  list(): ActionDescriptor[] {
    return [...this.byName.values()];
  }

  /**
   * The input an action runs with: defaults filled in; a missing required or an unknown parameter
   * is refused with Mistral's message, so the task fails before anything is sent anywhere.
   */
  prepareInput(name: string, input: Record<string, unknown> | null | undefined, projectId?: string): Record<string, unknown> {
    const handler = this.get(name, projectId);
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
