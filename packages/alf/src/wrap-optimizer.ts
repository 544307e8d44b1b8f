import { type Parameter, RuntimeError, type Tensor, TypeError_, ValueError, norm } from '@tsoptim/core';
import { type Closure, type Optimizer, type ParamGroupInput, type StateDict, evaluateClosure } from '@tsoptim/optim';
import { clipByGlobalNorm, clipByNorms } from './clip.js';
import { restoreNormK } from './internal/kernels.js';
import { optArg } from './internal/opt-args.js';
import { NeroPlus } from './nero-plus.js';

/** A learning rate as a function of the number of steps the wrapper has taken (0 before the first step). */
export type LrFunction = (step: number) => number;

/**
 * A scheduler object (structurally typed, as @tsoptim/lr-scheduler's schedulers are): its current rate is
 * `getLastLr()[0]`, and it is advanced with `step()` after each optimizer step.
 */
export interface SchedulerLike {
  step(): void;
  getLastLr(): readonly number[];
}

/** A per-group learning-rate schedule: a function of the step or a scheduler object. */
export type LrSchedule = LrFunction | SchedulerLike;

/** A parameter group for {@link WrappedOptimizer.addParamGroup}: optionally with its own schedule. */
export interface AlfParamGroupInput extends ParamGroupInput {
  /** Sets this group's lr before every step (ALF's per-group `lr_scheduler`). */
  lrScheduler?: LrSchedule;
}

/** Options of {@link wrapOptimizer}; names as ALF's `wrap_optimizer` (camelCase). */
export interface WrapOptions {
  /** A positive threshold: gradients are clipped before every step (default: no clipping). */
  gradientClipping?: number | null;
  /** Clip by the global norm of all gradients (true) or each gradient by its own norm (false, the default). */
  clipByGlobalNorm?: boolean;
  /**
   * The learning rate of groups added through the wrapper. A function is re-evaluated before every step
   * and sets the lr of every group without its own `lrScheduler`.
   */
  lr?: number | LrFunction;
  /** A name for logs (default `<OptimizerClass>_<n>`). */
  name?: string;
}

/** Builds the wrapped optimizer from the first parameter group added (ALF constructs optimizers empty). */
export type OptimizerFactory<O extends Optimizer<any>> = (groups: ParamGroupInput[]) => O;

const counters = new Map<string, number>();

function isSchedulerLike(x: unknown): x is SchedulerLike {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as SchedulerLike).getLastLr === 'function' &&
    typeof (x as SchedulerLike).step === 'function'
  );
}

function scheduleValue(s: LrSchedule, step: number): number {
  return typeof s === 'function' ? s(step) : s.getLastLr()[0]!;
}

/**
 * Any tsoptim optimizer with ALF's `wrap_optimizer` behaviour. Before each step:
 *
 * 1. learning rates: each group with an `lrScheduler` takes its value; the other groups take the value of a
 *    function-valued `lr` option, when there is one;
 * 2. parameters with `options.fixedNorm` (unless the optimizer is {@link NeroPlus}, which keeps norms itself)
 *    have their Frobenius norm recorded the first time they are seen;
 * 3. gradients are clipped: each g ← g·min(1, c/‖g‖), or with `clipByGlobalNorm` every g ← g·min(1, c/G),
 *    G = √(Σ‖g‖²) (one reduction and one scale kernel per tensor);
 *
 * then the optimizer steps, every `fixedNorm` parameter that had a gradient is rescaled to its recorded norm
 * (θ ← θ·n₀/(‖θ‖ + 1e-30)), and scheduler objects are advanced with `step()`.
 *
 * Differences from ALF: a group's own `lrScheduler` applies whether or not `lr` is a function (ALF applies
 * per-group schedulers only when the global lr is callable); ALF's capacity masking and particle-based VI
 * (`parvi`) are not provided.
 *
 * @example
 * import { parameter } from '@tsoptim/core';
 * import { AdamTF, wrapOptimizer } from '@tsoptim/alf';
 * const w = parameter([1, 2, 3]);
 * const opt = wrapOptimizer((groups) => new AdamTF(groups, { lr: 0.01 }), {
 *   gradientClipping: 1,
 *   clipByGlobalNorm: true,
 *   lr: (step) => 0.01 * 0.9 ** step,
 * });
 * opt.addParamGroup({ params: [w] });
 * w.setGrad([3, 4, 0]);
 * opt.step();
 */
export class WrappedOptimizer<O extends Optimizer<any> = Optimizer<any>> {
  /** The name used in logs. */
  readonly name: string;
  /** Steps taken through the wrapper: the argument of function-valued schedules. */
  stepCount = 0;
  /** The global gradient norm measured at the last step with `clipByGlobalNorm` (a 0-d tensor), or null. */
  lastGlobalNorm: Tensor | null = null;

  private inner: O | null;
  private readonly factory: OptimizerFactory<O> | null;
  private readonly gradientClipping: number | null;
  private readonly globalNorm: boolean;
  private readonly lr: number | LrFunction | undefined;
  private readonly schedulers: (LrSchedule | null)[] = [];
  private readonly norms = new Map<Parameter, Tensor>();

  constructor(target: O | OptimizerFactory<O>, options: WrapOptions = {}) {
    const clip = options.gradientClipping ?? null;
    if (clip !== null && !(typeof clip === 'number' && clip > 0)) throw new ValueError(`Invalid gradient_clipping value: ${clip}`);
    const lr = options.lr;
    if (lr !== undefined && typeof lr !== 'function' && typeof lr !== 'number') {
      throw new TypeError_(`lr must be a number or a function of the step, but got ${typeof lr}`);
    }
    const lr0 = typeof lr === 'function' ? lr(0) : lr;
    if (lr0 !== undefined && (typeof lr0 !== 'number' || !(lr0 >= 0))) throw new ValueError(`Invalid learning rate: ${lr0}`);
    this.gradientClipping = clip;
    this.globalNorm = options.clipByGlobalNorm ?? false;
    this.lr = lr;
    if (typeof target === 'function') {
      this.factory = target;
      this.inner = null;
    } else {
      this.factory = null;
      this.inner = target;
      if (lr0 !== undefined) for (const g of target.paramGroups) g.lr = lr0;
      for (const _ of target.paramGroups) this.schedulers.push(null);
    }
    const cls = this.inner?.constructor.name ?? 'Optimizer';
    if (options.name !== undefined) {
      this.name = options.name;
    } else {
      const n = counters.get(cls) ?? 0;
      counters.set(cls, n + 1);
      this.name = `${cls}_${n}`;
    }
  }

  /** The wrapped optimizer. @throws RuntimeError when it is built by a factory and no group was added yet. */
  get optimizer(): O {
    if (this.inner === null) throw new RuntimeError('the optimizer has no parameter group yet: call addParamGroup first');
    return this.inner;
  }

  /** The wrapped optimizer's groups (empty before the first group is added to a factory-built one). */
  get paramGroups(): O['paramGroups'] {
    return (this.inner?.paramGroups ?? []) as O['paramGroups'];
  }

  /** The wrapped optimizer's per-parameter state. */
  get state(): O['state'] {
    return (this.inner?.state ?? new Map()) as O['state'];
  }

  /**
   * Adds a parameter group (ALF's `add_param_group`); a group's `lrScheduler` sets its lr now and before
   * every step. The first group added to a factory-built wrapper constructs the optimizer.
   *
   * @throws TypeError_ for an `lrScheduler` that is neither a function nor a scheduler object.
   * @throws ValueError / TypeError_ as the optimizer's `addParamGroup`; nothing changes then.
   */
  addParamGroup(group: AlfParamGroupInput): void {
    const { lrScheduler, ...rest } = group;
    if (lrScheduler !== undefined && typeof lrScheduler !== 'function' && !isSchedulerLike(lrScheduler)) {
      throw new TypeError_('lrScheduler must be a function of the step or an object with step() and getLastLr()');
    }
    const g: Record<string, unknown> & ParamGroupInput = { ...rest };
    if (lrScheduler !== undefined) g.lr = scheduleValue(lrScheduler, this.stepCount);
    else if (g.lr === undefined && this.lr !== undefined) g.lr = typeof this.lr === 'function' ? this.lr(this.stepCount) : this.lr;
    if (this.inner === null) this.inner = this.factory!([g]);
    else this.inner.addParamGroup(g);
    this.schedulers.push(lrScheduler ?? null);
  }

  /**
   * Sets the learning rates, clips the gradients, steps the optimizer and restores `fixedNorm` parameters
   * (see the class description). Returns the closure's loss.
   *
   * @throws ValueError `Invalid learning rate: …` when a schedule gives a negative or non-number rate; nothing
   * changes then.
   */
  step(closure?: Closure): number | undefined {
    const inner = this.inner;
    if (inner === null) {
      this.stepCount++;
      return evaluateClosure(closure);
    }
    const groups = inner.paramGroups;
    const lrs = groups.map((_, i) => {
      const s = this.schedulers[i] ?? null;
      if (s !== null) return scheduleValue(s, this.stepCount);
      if (typeof this.lr === 'function') return this.lr(this.stepCount);
      return undefined;
    });
    for (const lr of lrs)
      if (lr !== undefined && (typeof lr !== 'number' || !(lr >= 0))) throw new ValueError(`Invalid learning rate: ${lr}`);
    lrs.forEach((lr, i) => {
      if (lr !== undefined) groups[i]!.lr = lr;
    });
    const params = groups.flatMap((g) => g.params as Parameter[]);
    const keepNorms = !(inner instanceof NeroPlus);
    if (keepNorms) {
      for (const p of params) if (optArg(p, 'fixedNorm', false) && !this.norms.has(p)) this.norms.set(p, norm(p));
    }
    if (this.gradientClipping !== null) {
      const grads = params.map((p) => p.grad);
      if (this.globalNorm) {
        this.lastGlobalNorm?.dispose();
        this.lastGlobalNorm = clipByGlobalNorm(grads, this.gradientClipping);
      } else {
        clipByNorms(grads, this.gradientClipping);
      }
    }
    const loss = inner.step(closure);
    if (keepNorms) {
      for (const p of params) {
        if (p.grad === null || !optArg(p, 'fixedNorm', false)) continue;
        const n = norm(p);
        p.backend.run(restoreNormK, { tensors: { x: p, n0: this.norms.get(p)!, n } });
        n.dispose();
      }
    }
    for (const s of this.schedulers) if (s !== null && typeof s !== 'function') s.step();
    this.stepCount++;
    return loss;
  }

  /** Sets gradients to null (default) or zero, as the optimizer's `zeroGrad`. */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    this.inner?.zeroGrad(options);
  }

  /** The optimizer's state dict (torch's layout); empty before the first group of a factory-built wrapper. */
  stateDict(): StateDict {
    return this.inner?.stateDict() ?? { state: {}, param_groups: [] };
  }

  /**
   * Loads a state dict into the optimizer.
   * @throws ValueError as the optimizer's `loadStateDict`, or when groups are loaded before any was added.
   */
  loadStateDict(stateDict: StateDict): void {
    if (this.inner === null) {
      if (Array.isArray(stateDict?.param_groups) && stateDict.param_groups.length === 0) return;
      throw new ValueError('loaded state dict has a different number of parameter groups');
    }
    this.inner.loadStateDict(stateDict);
  }
}

/**
 * Wraps an optimizer, or a factory that builds one from the first parameter group added, with ALF's
 * gradient clipping, learning-rate schedules and `fixedNorm` parameters. See {@link WrappedOptimizer}.
 *
 * @throws ValueError `Invalid gradient_clipping value: …` unless the threshold is positive;
 * `Invalid learning rate: …` for a negative `lr` (or `lr(0)`).
 * @throws TypeError_ for an `lr` that is neither a number nor a function.
 * @example
 * import { parameter } from '@tsoptim/core';
 * import { SGD } from '@tsoptim/optim';
 * import { wrapOptimizer } from '@tsoptim/alf';
 * const w = parameter([1, 2]);
 * const opt = wrapOptimizer(new SGD([w], { lr: 0.1 }), { gradientClipping: 0.5 });
 * w.setGrad([3, 4]);
 * opt.step(); // the gradient is clipped to norm 0.5 first
 */
export function wrapOptimizer<O extends Optimizer<any>>(target: O | OptimizerFactory<O>, options: WrapOptions = {}): WrappedOptimizer<O> {
  return new WrappedOptimizer(target, options);
}
