/**
 * One read for concurrent requests that need the same thing (the workflow a create names): a read
 * joins the next one to be sent for its key, never one already sent (which might have missed a
 * write the caller saw committed before it asked), and a key has at most one read in flight. The
 * first caller's read goes out at once; callers arriving while it runs share the one sent after it.
 */
interface Waiter<T> {
  load: () => Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

interface KeyState<T> {
  inFlight: boolean;
  waiting: Array<Waiter<T>>;
}

export class SharedReads<T> {
  private readonly keys = new Map<string, KeyState<T>>();

  read(key: string, load: () => Promise<T>): Promise<T> {
    let state = this.keys.get(key);
    if (!state) {
      state = { inFlight: false, waiting: [] };
      this.keys.set(key, state);
    }
    const current = state;
    return new Promise<T>((resolve, reject) => {
      current.waiting.push({ load, resolve, reject });
      if (!current.inFlight) this.send(key, current);
    });
  }

  private send(key: string, state: KeyState<T>): void {
    const waiters = state.waiting;
    state.waiting = [];
    state.inFlight = true;
    let loading: Promise<T>;
    try {
      loading = waiters[0].load();
    } catch (error) {
      loading = Promise.reject(error);
    }
    void loading
      .then(
        (value) => waiters.forEach((waiter) => waiter.resolve(value)),
        (error: unknown) => waiters.forEach((waiter) => waiter.reject(error)),
      )
      .finally(() => {
        state.inFlight = false;
        if (state.waiting.length > 0) this.send(key, state);
        else this.keys.delete(key);
      });
  }
}
