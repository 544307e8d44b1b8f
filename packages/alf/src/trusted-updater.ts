import { RuntimeError, Tensor, TypeError_, ValueError } from '@tsoptim/core';
import { shrinkK } from './internal/kernels.js';

/** A change as `changeFn` reports it: a number, a one-element tensor, or arrays/objects nesting them. */
export type NestedChange = number | Tensor | readonly NestedChange[] | { readonly [key: string]: NestedChange };

/** Options of {@link TrustedUpdater}. */
export interface TrustedUpdaterOptions {
  /** How many shrinks one `adjustStep` may try before it gives up (default 100, ALF's bound). */
  maxSteps?: number;
}

/** What {@link TrustedUpdater.adjustStep} returns. */
export interface AdjustResult<C extends NestedChange> {
  /** The change measured before any adjustment, as `changeFn` returned it. */
  change0: C;
  /** How many times the step was shrunk (0: none). */
  steps: number;
}

function leaves(x: NestedChange, path: string, out: [string, number][]): void {
  if (typeof x === 'number') out.push([path, x]);
  else if (Tensor.isTensor(x)) out.push([path, x.item()]);
  else if (Array.isArray(x)) x.forEach((v, i) => leaves(v, `${path}[${i}]`, out));
  else if (typeof x === 'object' && x !== null) for (const [k, v] of Object.entries(x)) leaves(v as NestedChange, `${path}.${k}`, out);
  else throw new TypeError_(`a change must be a number, a tensor, or arrays/objects of them, but got ${typeof x} at ${path || 'the top'}`);
}

/** max over leaves of |change| / maxChange; the structures must match (a number maxChange applies to all). */
function ratioOf(change: NestedChange, maxChange: NestedChange): number {
  const c: [string, number][] = [];
  leaves(change, '', c);
  let ratio = Number.NEGATIVE_INFINITY;
  if (typeof maxChange === 'number') {
    for (const [, v] of c) ratio = Math.max(ratio, Math.abs(v) / maxChange);
    return ratio;
  }
  const m: [string, number][] = [];
  leaves(maxChange, '', m);
  if (m.length !== c.length || m.some(([p], i) => p !== c[i]![0])) {
    throw new ValueError('the change and maxChange must have the same structure');
  }
  c.forEach(([, v], i) => {
    ratio = Math.max(ratio, Math.abs(v) / m[i]![1]);
  });
  return ratio;
}

function checkMax(maxChange: NestedChange): void {
  const m: [string, number][] = [];
  leaves(maxChange, '', m);
  for (const [p, v] of m) if (!(v > 0)) throw new ValueError(`maxChange must be positive, got ${v}${p ? ` at ${p}` : ''}`);
}

/**
 * Shrinks an optimizer step until a monitored quantity changes little enough (ALF's `TrustedUpdater`).
 *
 * It keeps a copy of the parameters as they were after the previous `adjustStep`. After an optimizer step,
 * `adjustStep(changeFn, maxChange)` measures the change; while ratio = maxᵢ |changeᵢ| / maxChangeᵢ > 1 it
 * moves every parameter back towards its previous value,
 *
 *   θ ← θ_prev + (0.9 / ratio)·(θ − θ_prev)
 *
 * (the 0.9 keeps the loop from stalling just above the bound) and measures again. As in ALF
 * (`assert steps < 100`), needing `maxSteps` shrinks is an error, even when the last one succeeded.
 * Finally the previous values are updated to the current ones. One elementwise kernel per parameter and shrink.
 *
 * @example
 * import { parameter } from '@tsoptim/core';
 * import { TrustedUpdater } from '@tsoptim/alf';
 * const w = parameter([0, 0]);
 * const tu = new TrustedUpdater([w]);
 * w.assign([3, 4]); // an optimizer step
 * const { change0, steps } = tu.adjustStep(() => Math.hypot(...w.data), 1);
 * // change0 = 5; w was shrunk until its norm was ≤ 1
 */
export class TrustedUpdater {
  private readonly params: readonly Tensor[];
  private readonly prev: Tensor[];
  private readonly maxSteps: number;

  /**
   * @param params the parameters (tensors) a step changes; their current values are the first "previous" values.
   * @throws ValueError on an empty list or a `maxSteps` that is not a positive integer.
   */
  constructor(params: Iterable<Tensor>, options: TrustedUpdaterOptions = {}) {
    const list = [...params];
    if (list.length === 0) throw new ValueError('TrustedUpdater got an empty parameter list');
    for (const p of list) if (!Tensor.isTensor(p)) throw new TypeError_('TrustedUpdater can only monitor tensors');
    const maxSteps = options.maxSteps ?? 100;
    if (!(Number.isInteger(maxSteps) && maxSteps > 0)) throw new ValueError(`maxSteps must be a positive integer, got ${maxSteps}`);
    this.params = list;
    this.prev = list.map((p) => p.clone());
    this.maxSteps = maxSteps;
  }

  /**
   * Measures `changeFn()` and shrinks the step while it is too big (see the class description).
   *
   * @param changeFn computes the (nested) change from the current parameter values.
   * @param maxChange the largest change allowed: a positive number for every leaf, or the same structure.
   * @returns the initial change and the number of shrinks.
   * @throws ValueError when maxChange is not positive or its structure differs from the change's.
   * @throws RuntimeError when the loop reached `maxSteps` shrinks; the parameters are
   * then put back as they were when `adjustStep` was called.
   */
  adjustStep<C extends NestedChange>(changeFn: () => C, maxChange: NestedChange): AdjustResult<C> {
    checkMax(maxChange);
    const change0 = changeFn();
    let ratio = ratioOf(change0, maxChange);
    let steps = 0;
    let entry: Tensor[] | null = null;
    try {
      while (ratio > 1 && steps < this.maxSteps) {
        entry ??= this.params.map((p) => p.clone());
        const r = 0.9 / ratio;
        this.params.forEach((p, i) => p.backend.run(shrinkK, { tensors: { x: p, prev: this.prev[i]! }, scalars: { r } }));
        ratio = ratioOf(changeFn(), maxChange);
        steps++;
      }
      if (steps >= this.maxSteps) {
        throw new RuntimeError(`Something is wrong. change cannot be reduced by making the step smaller (${steps} tries).`);
      }
    } catch (e) {
      if (entry !== null) this.params.forEach((p, i) => p.copy_(entry![i]!));
      throw e;
    } finally {
      if (entry !== null) for (const t of entry) t.dispose();
    }
    this.params.forEach((p, i) => this.prev[i]!.copy_(p));
    return { change0, steps };
  }
}
