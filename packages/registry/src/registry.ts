import { TypeError_, ValueError } from '@tsoptim/core';

/** Options of {@link Registry.register}. */
export interface RegisterOptions {
  /** Replace an entry already registered under the name (default false: that is an error). */
  readonly overwrite?: boolean;
}

/**
 * Named entries of one kind (optimizers, schedulers, thinc optimizers, thinc schedules), as AllenNLP's
 * `Registrable` and thinc's `registry.optimizers` keep them. Lookups of an unknown name fail with a message that
 * lists every known name.
 *
 * @example
 * const r = new Registry<() => number>('answer');
 * r.register('forty_two', () => 42);
 * r.get('forty_two')(); // 42
 * r.get('fourty_two');  // ValueError: unknown answer "fourty_two"; known: forty_two
 */
export class Registry<T> {
  /** What the entries are, as messages name them (`'optimizer'`, `'scheduler'`...). */
  readonly kind: string;
  private readonly entries = new Map<string, T>();

  /**
   * @param kind - what the entries are, for messages.
   * @param entries - initial entries, registered in order.
   */
  constructor(kind: string, entries: Iterable<readonly [string, T]> = []) {
    this.kind = kind;
    for (const [name, entry] of entries) this.register(name, entry);
  }

  /**
   * Registers `entry` under `name`.
   *
   * @throws TypeError_ when the name is not a non-empty string.
   * @throws ValueError `<kind> "<name>" is already registered` unless `overwrite`.
   */
  register(name: string, entry: T, options: RegisterOptions = {}): this {
    if (typeof name !== 'string' || name === '')
      throw new TypeError_(`a ${this.kind} name must be a non-empty string, got ${JSON.stringify(name)}`);
    if (this.entries.has(name) && options.overwrite !== true) {
      throw new ValueError(`${this.kind} "${name}" is already registered; pass { overwrite: true } to replace it`);
    }
    this.entries.set(name, entry);
    return this;
  }

  /** Removes an entry; returns whether it was there. */
  unregister(name: string): boolean {
    return this.entries.delete(name);
  }

  /** True when `name` is registered. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * The entry registered under `name`.
   *
   * @throws ValueError `unknown <kind> "<name>"; known: a, b, c`.
   */
  get(name: string): T {
    const entry = typeof name === 'string' ? this.entries.get(name) : undefined;
    if (entry === undefined) throw new ValueError(`unknown ${this.kind} ${JSON.stringify(name)}; known: ${this.names().join(', ')}`);
    return entry;
  }

  /** Every registered name, sorted. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** A copy with the same entries (to extend without changing the original). */
  clone(): Registry<T> {
    return new Registry<T>(this.kind, this.entries);
  }
}
