/**
 * Groups work items that arrive together (API creates) so that one transaction serves many: an
 * item joins the group that starts at the end of the current event-loop turn or, while a group's
 * transaction is in flight, the next one. At most `maxSize` items per group and `maxInFlight`
 * groups at once. Each item's promise settles once its group has been handled (`run` answers
 * every item of the group; nothing is answered before its commit).
 */
export interface GroupMember<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export class CreateGroups<T, R> {
  private readonly pending: Array<GroupMember<T, R>> = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly maxSize: number,
    private readonly maxInFlight: number,
    /** Handles one group: must settle every member (resolve or reject), and never throw. */
    private readonly run: (members: Array<GroupMember<T, R>>) => Promise<void>,
  ) {}

  join(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items waiting for a group (not yet in a transaction). */
  get waiting(): number {
    return this.pending.length;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.pending.length === 0) return;
    this.scheduled = true;
    // the requests of this event-loop turn (and I/O callbacks already due) join the same group
    setImmediate(() => {
      this.scheduled = false;
      this.startGroups();
    });
  }

  private startGroups(): void {
    while (this.inFlight < this.maxInFlight && this.pending.length > 0) {
      const members = this.pending.splice(0, this.maxSize);
      this.inFlight++;
      void this.run(members)
        .catch((error: unknown) => {
          for (const member of members) member.reject(error); // run settles them; this is a safety net
        })
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
  }
}
