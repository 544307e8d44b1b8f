import { RuntimeError, Tensor, TypeError_, ValueError, zeros } from '@tsoptim/core';
import type { LastScore, ScheduleLike } from '@tsoptim/lr-scheduler';
import { fragments } from '@tsoptim/optim';
import { type ThincRule, thincKernel, thincNorm, thincNormL2 } from './internal/thinc-kernels.js';
import { kindOf, show } from './internal/names.js';

/** What identifies a parameter to a keyed optimizer: thinc uses `(node id, name)` tuples; any string or number works too. */
export type ThincKey = string | number | readonly (string | number)[];

/**
 * A hyper-parameter value: a number, or a schedule — an array (one value per `stepSchedules()`, the last
 * repeating), an iterator / generator (thinc v8's schedules: one `next()` per `stepSchedules()`, the last value
 * kept once exhausted), or a function of the step (thinc v9's schedules, e.g. `warmupLinear(...)` from
 * @tsoptim/lr-scheduler: called with the schedule step and the last score).
 */
export type ThincHyper = number | readonly number[] | Iterator<number> | ScheduleLike<number>;

/** Options of {@link ThincOptimizer}; names as thinc's `Optimizer` in camelCase (`L2` → `l2`). */
export interface ThincOptimizerOptions {
  /** The learning rate (thinc's `learn_rate`; required). */
  learnRate: ThincHyper;
  /** L2 penalty (default 0): decoupled weight decay, or a gradient term when `l2IsWeightDecay` is false. */
  l2?: ThincHyper;
  /** First-moment coefficient (default 0.9); with `beta1` and `beta2` both 0 the update is plain SGD. */
  beta1?: ThincHyper;
  /** Second-moment coefficient (default 0.999). */
  beta2?: ThincHyper;
  /** Added to √v (default 1e-8). */
  eps?: ThincHyper;
  /** Clip the gradient to this L2 norm (default 1.0; 0 turns clipping off). */
  gradClip?: ThincHyper;
  /** Apply L2 as decoupled weight decay after the update (default true, thinc's `L2_is_weight_decay`). */
  l2IsWeightDecay?: boolean;
  /** Keep an average of each parameter (default true). */
  useAverages?: boolean;
  /** Use thinc's RAdam update (default false). */
  useRadam?: boolean;
}

/** thinc's `Optimizer` defaults (`ADAM_DEFAULTS`), `learnRate` aside. */
export const THINC_OPTIMIZER_DEFAULTS = {
  l2: 0,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  gradClip: 1.0,
  l2IsWeightDecay: true,
  useAverages: true,
  useRadam: false,
} as const;

/** Options of one keyed update. */
export interface ThincUpdateOptions {
  /** Multiplies the learning rate of this update (default 1; thinc's `lr_scale`; thinc's RAdam ignores it). */
  lrScale?: number;
}

/** The per-key state of a {@link ThincOptimizer}. */
export interface ThincSlot {
  /** Updates made for this key (thinc's `nr_update[key]`). */
  readonly nrUpdate: number;
  /** First moment (Adam, RAdam), shaped as the weights. */
  readonly mom1: Tensor | null;
  /** Second moment (Adam, RAdam). */
  readonly mom2: Tensor | null;
  /** The parameter average (`useAverages`), starting from zeros as thinc's. */
  readonly average: Tensor | null;
}

type HyperName = 'learnRate' | 'l2' | 'beta1' | 'beta2' | 'eps' | 'gradClip';
const HYPERS: readonly HyperName[] = ['learnRate', 'l2', 'beta1', 'beta2', 'eps', 'gradClip'];
/** thinc's spelling, for messages. */
const THINC_NAME: Record<HyperName, string> = {
  learnRate: 'learn_rate',
  l2: 'L2',
  beta1: 'beta1',
  beta2: 'beta2',
  eps: 'eps',
  gradClip: 'grad_clip',
};

type Hyper =
  | { kind: 'const'; value: number }
  | { kind: 'iter'; it: Iterator<unknown>; value: number }
  | { kind: 'fn'; fn: ScheduleLike<number> };

interface Slot {
  nrUpdate: number;
  size: number;
  mom1: Tensor | null;
  mom2: Tensor | null;
  average: Tensor | null;
  gnorm: Tensor | null;
}

interface State {
  hypers: Record<HyperName, Hyper>;
  l2IsWeightDecay: boolean;
  useAverages: boolean;
  useRadam: boolean;
  step: number;
  lastScore: LastScore | null;
  slots: Map<string, Slot>;
  radamBuffer: [number | null, number | null, number | null][];
}

function isIterator(v: unknown): v is Iterator<unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Iterator<unknown>).next === 'function';
}

function checkNumber(name: HyperName, v: unknown, from: string): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError_(`${from} for '${THINC_NAME[name]}' gave ${show(v)}, not a number`);
  return v;
}

function makeHyper(name: HyperName, v: unknown): Hyper {
  if (typeof v === 'number') return { kind: 'const', value: v };
  if (typeof v === 'boolean') return { kind: 'const', value: v ? 1 : 0 };
  if (typeof v === 'function') return { kind: 'fn', fn: v as ScheduleLike<number> };
  const it = Array.isArray(v) ? v[Symbol.iterator]() : isIterator(v) ? v : null;
  if (it === null)
    throw new TypeError_(`Invalid schedule for '${THINC_NAME[name]}' (${kindOf(v)}): expected a number, a list, a generator or a schedule`);
  const first = it.next();
  if (first.done)
    throw new ValueError(`Invalid schedule for '${THINC_NAME[name]}' (${Array.isArray(v) ? 'array' : 'iterator'}): it yields no value`);
  return { kind: 'iter', it, value: checkNumber(name, first.value, 'the schedule') };
}

/** The canonical string of a key (tuples as JSON). */
export function thincKeyString(key: ThincKey): string {
  if (typeof key === 'string' || typeof key === 'number') return JSON.stringify(key);
  if (Array.isArray(key) && key.every((x) => typeof x === 'string' || typeof x === 'number')) return JSON.stringify(key);
  throw new TypeError_(`a key must be a string, a number or a tuple of them, got ${show(key)}`);
}

/**
 * thinc's optimizer (`thinc.optimizers.Optimizer`, v8.3): a keyed optimizer that updates weights in place from
 * a gradient, with its state (moments, update counts, averages) per key. Call it as
 * `optimizer.update(key, weights, gradient, { lrScale })`, or make the callable form with {@link keyedOptimizer}
 * (`optimizer(key, weights, gradient)`, as in thinc).
 *
 * One call, with t the key's update count after incrementing (thinc's `nr_update[key]`), in thinc's order:
 *
 * 1. L2 as a loss term (`l2 ≠ 0` and not `l2IsWeightDecay`): g ← g + L2·w.
 * 2. Clipping (`gradClip` non-zero): when ‖g‖₂ ≥ gradClip, g ← g · gradClip/‖g‖₂ (the norm includes the L2 term).
 * 3. The update:
 *    - RAdam (`useRadam`): thinc's port of RAdam (Liu et al., https://arxiv.org/abs/1908.03265) with its step
 *      offset: the step used is s = t + 1 (thinc increments a copy of the already incremented count).
 *      m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; ρ∞ = 2/(1−β₂) − 1; ρ = ρ∞ − 2s·β₂ˢ/(1−β₂ˢ);
 *      when ρ ≥ 5: r = √((1−β₂ˢ)(ρ−4)/(ρ∞−4)·(ρ−2)/ρ·ρ∞/(ρ∞−2)) / (1−β₁ˢ) and w ← w − r·lr·m/(√v + ε);
 *      otherwise (un-adapted) r = 1/(1−β₁ˢ) and w ← w − r·lr·m. `lrScale` is not applied here (as in thinc).
 *      (ρ, r) are cached per step in thinc's 10-slot buffer shared by all keys, so a β₂ schedule takes effect for
 *      a step number only once that slot is recomputed — as in thinc.
 *    - Adam (β₁ > 0 and β₂ > 0): m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 *      w ← w − lrScale·lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε).
 *    - SGD (β₁ = β₂ = 0): w ← w − lrScale·lr·g. (β₁ = 0 with β₂ > 0 is not implemented, as in thinc.)
 * 4. The gradient is zeroed.
 * 5. Decoupled weight decay (`l2 ≠ 0` and `l2IsWeightDecay`): w ← w − lrScale·lr·L2·w (on the updated w).
 * 6. Averages (`useAverages`): d = min((1+t)/(10+t), 0.9999); avg ← avg − (1−d)(avg − w), the average starting
 *    from zeros.
 *
 * All of it runs as one kernel per call (plus a norm reduction when clipping), on the weights' backend.
 *
 * Every hyper-parameter may be a schedule ({@link ThincHyper}); `stepSchedules()` advances them and `lastScore`
 * feeds score-driven schedules such as `plateau`.
 *
 * @example
 * const opt = new ThincOptimizer({ learnRate: warmupLinear({ initialRate: 1e-3, warmupSteps: 10, totalSteps: 100 }) });
 * opt.update(['linear', 'W'], W, dW);       // W updated in place, dW zeroed
 * opt.stepSchedules();
 * opt.average(['linear', 'W']);             // the averaged weights
 */
export class ThincOptimizer {
  private readonly st: State;

  /**
   * @throws ValueError for an empty schedule (`Invalid schedule for 'learn_rate' …`).
   * @throws TypeError_ for a missing learn rate or a value of the wrong kind (named).
   */
  constructor(options: ThincOptimizerOptions) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError_(`ThincOptimizer options must be an object, got ${kindOf(options)}`);
    const o = { ...THINC_OPTIMIZER_DEFAULTS, ...dropUndefined(options) } as Record<string, unknown>;
    if (o.learnRate === undefined) throw new TypeError_("ThincOptimizer needs a 'learn_rate'");
    for (const key of Object.keys(o)) {
      if (!(HYPERS as readonly string[]).includes(key) && !['l2IsWeightDecay', 'useAverages', 'useRadam'].includes(key)) {
        throw new ValueError(
          `invalid option ${JSON.stringify(key)} for ThincOptimizer; valid options: ${[...HYPERS, 'l2IsWeightDecay', 'useAverages', 'useRadam'].join(', ')}`,
        );
      }
    }
    for (const key of ['l2IsWeightDecay', 'useAverages', 'useRadam']) {
      if (typeof o[key] !== 'boolean') throw new TypeError_(`invalid value ${show(o[key])} for '${key}': expected true or false`);
    }
    const hypers = {} as Record<HyperName, Hyper>;
    for (const name of HYPERS) hypers[name] = makeHyper(name, o[name]);
    this.st = {
      hypers,
      l2IsWeightDecay: o.l2IsWeightDecay as boolean,
      useAverages: o.useAverages as boolean,
      useRadam: o.useRadam as boolean,
      step: 0,
      lastScore: null,
      slots: new Map(),
      radamBuffer: Array.from({ length: 10 }, () => [null, null, null]),
    };
  }

  /** Schedule steps taken so far (`stepSchedules()` calls; thinc v9's `optimizer.step`). */
  get step(): number {
    return this.st.step;
  }

  /**
   * The last evaluation score as `[step, score]` (thinc v9's `last_score`), passed to function schedules. Set a
   * number to record it at the current schedule step, or a `[step, score]` pair.
   */
  get lastScore(): LastScore | null {
    return this.st.lastScore;
  }

  set lastScore(score: number | LastScore | null) {
    if (score === null) this.st.lastScore = null;
    else if (typeof score === 'number') this.st.lastScore = [this.st.step, score];
    else if (Array.isArray(score) && score.length === 2 && score.every((x) => typeof x === 'number'))
      this.st.lastScore = [score[0], score[1]];
    else throw new TypeError_(`lastScore must be a number or a [step, score] pair, got ${show(score)}`);
  }

  /** The learning rate at the current schedule step. */
  get learnRate(): number {
    return this.value('learnRate');
  }
  /** L2 at the current schedule step. */
  get l2(): number {
    return this.value('l2');
  }
  /** β₁ at the current schedule step. */
  get beta1(): number {
    return this.value('beta1');
  }
  /** β₂ at the current schedule step. */
  get beta2(): number {
    return this.value('beta2');
  }
  /** ε at the current schedule step. */
  get eps(): number {
    return this.value('eps');
  }
  /** The clipping norm at the current schedule step. */
  get gradClip(): number {
    return this.value('gradClip');
  }
  /** Whether L2 is decoupled weight decay. */
  get l2IsWeightDecay(): boolean {
    return this.st.l2IsWeightDecay;
  }
  /** Whether averages are kept. */
  get useAverages(): boolean {
    return this.st.useAverages;
  }
  /** Whether the RAdam update is used. */
  get useRadam(): boolean {
    return this.st.useRadam;
  }

  private value(name: HyperName): number {
    const h = this.st.hypers[name];
    if (h.kind === 'const' || h.kind === 'iter') return h.value;
    return checkNumber(name, h.fn(this.st.step, { lastScore: this.st.lastScore }), 'the schedule');
  }

  /**
   * Advances every schedule by one step (thinc's `step_schedules()`): iterators and arrays yield their next value
   * (an exhausted one keeps its last), function schedules are evaluated at the new step from then on. Function
   * schedules are also called once at the step being left, so that a score-driven schedule (`plateau`) sees the
   * last score set during that step even when no update read it.
   *
   * @throws TypeError_ when an iterator yields something that is not a number (nothing changes).
   */
  stepSchedules(): void {
    const next: [Hyper & { kind: 'iter' }, number][] = [];
    for (const name of HYPERS) {
      const h = this.st.hypers[name];
      // A function schedule sees the current step's last score once more before the step moves on, so a
      // score-driven schedule (plateau) never misses a score set between two steps.
      if (h.kind === 'fn') this.value(name);
      if (h.kind !== 'iter') continue;
      const r = h.it.next();
      if (!r.done) next.push([h, checkNumber(name, r.value, 'the schedule')]);
    }
    for (const [h, v] of next) h.value = v;
    this.st.step += 1;
  }

  /**
   * Updates `weights` in place from `gradient` and zeroes the gradient (see the class for the rule). An empty
   * gradient changes nothing, as in thinc.
   *
   * @param key - the parameter's key; its state is created on the first call.
   * @param weights - the parameter.
   * @param gradient - its gradient, the same size (zeroed).
   * @param options - `lrScale`.
   * @throws ValueError when the gradient's size differs from the weights', or the weights' from the key's earlier
   * calls; TypeError_ for a schedule value that is not a number; RuntimeError for β₁ = 0 with β₂ > 0. Nothing changes
   * when it throws.
   */
  update(key: ThincKey, weights: Tensor, gradient: Tensor, options: ThincUpdateOptions = {}): void {
    const id = thincKeyString(key);
    if (!Tensor.isTensor(weights) || !Tensor.isTensor(gradient)) throw new TypeError_('weights and gradient must be tensors');
    if (gradient.size !== weights.size) {
      throw new ValueError(`Shape mismatch: gradient of shape [${gradient.shape}] for weights of shape [${weights.shape}] (key ${id})`);
    }
    if (gradient.size < 1) return;
    const lrScale = options.lrScale ?? 1;
    if (typeof lrScale !== 'number') throw new TypeError_(`lrScale must be a number, got ${kindOf(lrScale)}`);
    const st = this.st;
    const learnRate = this.value('learnRate');
    const L2 = this.value('l2');
    const b1 = this.value('beta1');
    const b2 = this.value('beta2');
    const eps = this.value('eps');
    const clip = this.value('gradClip');
    let rule: ThincRule;
    if (st.useRadam) rule = 'radam';
    else if (b1 > 0 && b2 > 0) rule = 'adam';
    else if (b2 > 0) throw new RuntimeError('beta1 = 0 with beta2 > 0 is not implemented (thinc raises NotImplementedError)');
    else rule = 'sgd';
    const old = st.slots.get(id);
    if (old !== undefined && old.size !== weights.size) {
      throw new ValueError(`Shape mismatch: weights of shape [${weights.shape}] for key ${id}, whose state holds ${old.size} elements`);
    }
    const slot: Slot = old ?? { nrUpdate: 0, size: weights.size, mom1: null, mom2: null, average: null, gnorm: null };
    const nr = slot.nrUpdate + 1;
    let lr: number;
    if (rule === 'sgd') {
      lr = lrScale * learnRate;
    } else if (rule === 'adam') {
      const fix1 = 1.0 - b1 ** nr;
      const fix2 = 1.0 - b2 ** nr;
      lr = ((learnRate * fix2 ** 0.5) / fix1) * lrScale;
    } else {
      const [nSma, stepSize] = this.radamStep(nr + 1, b1, b2);
      rule = nSma >= 5 ? 'radam' : 'radam_sgd';
      lr = stepSize * learnRate;
    }
    const backend = weights.backend;
    const alloc = (t: Tensor | null): Tensor => t ?? zeros(weights.shape, { backend });
    if (rule !== 'sgd') {
      slot.mom1 = alloc(slot.mom1);
      slot.mom2 = alloc(slot.mom2);
    }
    if (st.useAverages) slot.average = alloc(slot.average);
    const l2Term = L2 !== 0 && !st.l2IsWeightDecay;
    const tensors: Record<string, Tensor> = { weights, grad: gradient };
    if (clip) {
      slot.gnorm ??= zeros([1], { backend });
      if (l2Term) backend.reduce(thincNormL2, { tensors: { grad: gradient, weights }, scalars: { l2: L2 }, out: slot.gnorm });
      else backend.reduce(thincNorm, { tensors: { grad: gradient }, out: slot.gnorm });
      tensors.gnorm = slot.gnorm;
    }
    if (rule !== 'sgd') {
      tensors.mom1 = slot.mom1!;
      tensors.mom2 = slot.mom2!;
    }
    if (st.useAverages) tensors.avg = slot.average!;
    const decay = Math.min((1.0 + nr) / (10.0 + nr), 0.9999);
    const kernel = thincKernel({ rule, l2: l2Term, clip: Boolean(clip), decay: L2 !== 0 && st.l2IsWeightDecay, averages: st.useAverages });
    backend.run(kernel, {
      tensors,
      scalars: { l2: L2, clip, lr, b1, b2, eps, decay: lrScale * learnRate * L2, avgKeep: 1 - decay },
    });
    slot.nrUpdate = nr;
    st.slots.set(id, slot);
  }

  /** thinc's RAdam step size and ρ for step `step`, through its 10-slot buffer. */
  private radamStep(step: number, beta1: number, beta2: number): [number, number] {
    const buffered = this.st.radamBuffer[step % 10]!;
    if (step === buffered[0]) return [buffered[1]!, buffered[2]!];
    buffered[0] = step;
    const beta2T = beta2 ** step;
    const { rhoInf: nSmaMax, rhoT: nSma } = fragments.radamRho(beta2, step);
    buffered[1] = nSma;
    const stepSize =
      nSma >= 5
        ? Math.sqrt(((((((1 - beta2T) * (nSma - 4)) / (nSmaMax - 4)) * (nSma - 2)) / nSma) * nSmaMax) / (nSmaMax - 2)) / (1 - beta1 ** step)
        : 1.0 / (1 - beta1 ** step);
    buffered[2] = stepSize;
    return [nSma, stepSize];
  }

  /** The state of a key, or null before its first update. Tensors are the live state. */
  slot(key: ThincKey): ThincSlot | null {
    const s = this.st.slots.get(thincKeyString(key));
    return s === undefined ? null : { nrUpdate: s.nrUpdate, mom1: s.mom1, mom2: s.mom2, average: s.average };
  }

  /** Updates made for a key so far (0 before the first). */
  nrUpdate(key: ThincKey): number {
    return this.st.slots.get(thincKeyString(key))?.nrUpdate ?? 0;
  }

  /** The averaged weights of a key (`useAverages`), or null. The live tensor: copy it to keep a snapshot. */
  average(key: ThincKey): Tensor | null {
    return this.st.slots.get(thincKeyString(key))?.average ?? null;
  }

  /** Every key's average, keyed by the key's canonical string (JSON). */
  get averages(): ReadonlyMap<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [k, s] of this.st.slots) if (s.average !== null) out.set(k, s.average);
    return out;
  }

  /** Frees every state tensor and forgets all keys. */
  dispose(): void {
    for (const s of this.st.slots.values()) for (const t of [s.mom1, s.mom2, s.average, s.gnorm]) t?.dispose();
    this.st.slots.clear();
  }
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A {@link ThincOptimizer} that is also a function: `optimizer(key, weights, gradient, { lrScale })`, as thinc's. */
export interface KeyedOptimizer extends ThincOptimizer {
  (key: ThincKey, weights: Tensor, gradient: Tensor, options?: ThincUpdateOptions): void;
}

/**
 * The callable form of a thinc optimizer: `optimizer(key, weights, gradient, { lrScale })` updates in place, and
 * every {@link ThincOptimizer} member (`stepSchedules()`, `lastScore`, `average(key)`...) is there too.
 *
 * @param options - a {@link ThincOptimizer}'s options, or an existing one to wrap (the state is shared).
 * @example
 * const opt = keyedOptimizer({ learnRate: 0.001 });
 * opt([0, 'W'], W, dW);
 * opt.stepSchedules();
 */
export function keyedOptimizer(options: ThincOptimizerOptions | ThincOptimizer): KeyedOptimizer {
  const inner = options instanceof ThincOptimizer ? options : new ThincOptimizer(options);
  const fn = function thincOptimizer(key: ThincKey, weights: Tensor, gradient: Tensor, opts?: ThincUpdateOptions): void {
    inner.update(key, weights, gradient, opts);
  };
  Object.setPrototypeOf(fn, inner);
  return fn as unknown as KeyedOptimizer;
}
