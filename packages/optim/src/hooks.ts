/** Returned by every hook registration; `remove()` unregisters the hook (idempotent). */
export interface RemovableHandle {
  readonly id: number;
  remove(): void;
}

let nextHookId = 0;

/** An ordered set of hooks keyed by registration id, as torch's OrderedDict of hooks. */
export class HookList<F> {
  private readonly hooks = new Map<number, F>();

  /** Adds a hook (first if `prepend`), returning its handle. */
  add(hook: F, prepend = false): RemovableHandle {
    const id = nextHookId++;
    if (prepend) {
      const rest = [...this.hooks];
      this.hooks.clear();
      this.hooks.set(id, hook);
      for (const [k, v] of rest) this.hooks.set(k, v);
    } else {
      this.hooks.set(id, hook);
    }
    return { id, remove: () => void this.hooks.delete(id) };
  }

  /** The hooks in calling order (a snapshot: a hook may remove itself while running). */
  list(): F[] {
    return [...this.hooks.values()];
  }

  get size(): number {
    return this.hooks.size;
  }
}
