/** One parameter of an action, as `GET /v2/actions` shows it in `input` (`name` or `name=default`). */
export interface ActionParameter {
  name: string;
  /** absent when the parameter is required */
  default?: unknown;
}

/** What a workflow author can know about an action before running it. */
export interface ActionDescriptor {
  name: string;
  description: string;
  parameters: ActionParameter[];
}

/**
 * Every action the service can run, by name. Workflow definitions are checked against it when
 * they are stored, so a misspelt action is a 400 at upload rather than a failed run at 05:00.
 */
export class ActionCatalog {
  private readonly byName = new Map<string, ActionDescriptor>();

  constructor(descriptors: Iterable<ActionDescriptor> = []) {
    for (const descriptor of descriptors) this.register(descriptor);
  }

  register(descriptor: ActionDescriptor): void {
    if (this.byName.has(descriptor.name)) throw new Error(`action ${descriptor.name} is registered twice`);
    this.byName.set(descriptor.name, descriptor);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): ActionDescriptor | undefined {
    return this.byName.get(name);
  }

  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  list(): ActionDescriptor[] {
    return [...this.byName.values()];
  }
}
