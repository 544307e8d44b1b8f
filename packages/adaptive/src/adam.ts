import { type Parameter, type Tensor, TypeError_, zeros } from '@tsoptim/core';
import { type ParamGroup, type ParamState, type ParamsInput, type StateSpec, rejectUnknownOptions } from '@tsoptim/optim';
import { adaptiveUpdate } from './adaptive-update.js';
import type { WeightDecayStrategy } from './decay-fragment.js';
import { type AdaptiveGroupOptions, GenericAdaptiveOptimizer } from './generic-adaptive-optimizer.js';
import { toStrategy } from './internal/strategy.js';

/** Options of {@link Adam}, with labml's defaults. Shared by every optimizer of this package. */
export interface LabmlAdamOptions {
  /** Learning rate α (default 1e-3). */
  lr?: number;
  /** (β₁, β₂) (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /**
   * ε (default 1e-16, labml's choice). With `optimizedUpdate` it is added to √v before the bias correction, so
   * it plays the role of ε̂ = ε√(1 − β₂ᵗ).
   */
  eps?: number;
  /**
   * The weight-decay strategy (default `new WeightDecay()`, no decay). A number λ means `new WeightDecay({
   * weightDecay: λ })`: labml's default, decoupled and scaled by lr.
   */
  weightDecay?: WeightDecayStrategy | number;
  /**
   * labml's `optimized_update` (default true): θ ← θ − α√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε), which saves a
   * per-element division; false gives the textbook θ ← θ − α/(1−β₁ᵗ) · m/(√v/√(1−β₂ᵗ) + ε).
   */
  optimizedUpdate?: boolean;
}

/** The group options of {@link Adam}: `lr`, `betas`, `eps` and the strategy's `weightDecay`. */
export interface LabmlAdamGroupOptions extends AdaptiveGroupOptions {
  weightDecay: number;
}

/** What the second-moment state is called and how it is computed. */
export interface SecondMoment {
  /** `sq` (Adam: g²) or `belief` (AdaBelief: (g − m)²). */
  readonly kind: 'sq' | 'belief';
  /** State key of the running average (`exp_avg_sq`). */
  readonly key: string;
  /** State key of its running maximum (`max_exp_avg_sq`). */
  readonly maxKey: string;
}

const ADAM_SECOND: SecondMoment = Object.freeze({ kind: 'sq', key: 'exp_avg_sq', maxKey: 'max_exp_avg_sq' });

/** The options Adam's constructor takes. */
const ADAM_OPTION_NAMES: readonly string[] = ['lr', 'betas', 'eps', 'weightDecay', 'optimizedUpdate'];

/**
 * Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", https://arxiv.org/abs/1412.6980) as labml
 * writes it on {@link GenericAdaptiveOptimizer}, with a pluggable weight decay:
 *
 *   (θ, g) ← decay(θ, g);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  t ← t + 1;
 *   θ ← θ − α √(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε)          (optimizedUpdate, the default)
 *   θ ← θ − α/(1−β₁ᵗ) · m/(√v/√(1−β₂ᵗ) + ε)           (otherwise)
 *
 * One kernel pass per parameter does the decay and the update; the bias corrections are host scalars.
 * State per parameter: `step`, `exp_avg`, `exp_avg_sq`. Group options: `lr`, `betas`, `eps`, `weightDecay`.
 *
 * Subclasses change the learning rate with {@link LabmlAdam.getLr} (warm-up schedules), or the moments and update
 * with `stepParam`, as labml's classes do.
 *
 * @param params parameters or parameter groups (a group may override `lr`, `betas`, `eps`, `weightDecay`).
 * @param options see {@link LabmlAdamOptions}.
 * @param defaults extra group defaults of a subclass (labml's `defaults` argument).
 * @throws ValueError `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid beta parameter at index i: …`,
 * `Invalid weight_decay value: …`.
 * @throws TypeError_ when `weightDecay` is neither a number nor a strategy, or a group's `weightDecay` is a strategy.
 * @example
 * const opt = new LabmlAdam(model.parameters(), { lr: 1e-3, weightDecay: new WeightDecay({ weightDecay: 0.01 }) });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class LabmlAdam<O extends LabmlAdamGroupOptions = LabmlAdamGroupOptions> extends GenericAdaptiveOptimizer<O> {
  /** The weight-decay strategy, shared by every group (each group has its own `weightDecay` coefficient). */
  readonly weightDecay: WeightDecayStrategy;
  /** labml's `optimized_update`. */
  readonly optimizedUpdate: boolean;

  constructor(params: ParamsInput, options: LabmlAdamOptions = {}, defaults: Record<string, unknown> = {}) {
    if (new.target === LabmlAdam) rejectUnknownOptions('LabmlAdam', options, ADAM_OPTION_NAMES);
    const decay = toStrategy(options.weightDecay);
    super(params, {
      ...defaults,
      ...decay.defaults(),
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-16,
    } as unknown as O);
    this.weightDecay = decay;
    this.optimizedUpdate = options.optimizedUpdate ?? true;
  }

  protected override validate(options: Record<string, unknown>): void {
    const wd = options.weightDecay as { resolve?: unknown } | null;
    if (typeof wd === 'object' && wd !== null && typeof wd.resolve === 'function') {
      throw new TypeError_("a group's weightDecay is a coefficient; the weight-decay strategy is an optimizer option");
    }
    super.validate(options);
  }

  /** `step`, `exp_avg` and the second moment's key are required in a loaded state. */
  protected override stateSpec(): StateSpec {
    const m = this.secondMoment();
    return { scalars: { step: 'count' }, required: ['step', 'exp_avg', m.key], notNull: [m.maxKey] };
  }

  /** The second moment this optimizer keeps (AdaBelief overrides it). */
  protected secondMoment(): SecondMoment {
    return ADAM_SECOND;
  }

  /** Whether the group keeps the running maximum of the second moment (AMSGrad). */
  protected usesMax(_group: ParamGroup<O>): boolean {
    return false;
  }

  protected override paramShapedState(): readonly string[] {
    const s = this.secondMoment();
    return ['exp_avg', s.key, s.maxKey];
  }

  protected initState(state: ParamState, group: ParamGroup<O>, param: Parameter): void {
    const s = this.secondMoment();
    state.step = 0;
    state.exp_avg = zeros(param.shape, { backend: param.backend });
    state[s.key] = zeros(param.shape, { backend: param.backend });
    if (this.usesMax(group)) state[s.maxKey] = zeros(param.shape, { backend: param.backend });
  }

  /**
   * The learning rate of a step (labml's `get_lr`): the group's `lr`. `state.step` is the step being taken
   * (1 on the first).
   */
  getLr(_state: { readonly step?: unknown }, group: Readonly<O>): number {
    return group.lr;
  }

  protected stepParam(state: ParamState, group: ParamGroup<O>, grad: Tensor, param: Parameter): void {
    state.step = (state.step as number) + 1;
    this.update(state, group, grad, param, 'adaptive');
  }

  /**
   * Runs the family's kernel on one parameter: decay, moments, and the given kind of update (RAdam passes its
   * rectification term). `state.step` must already be incremented.
   */
  protected update(
    state: ParamState,
    group: ParamGroup<O>,
    grad: Tensor,
    param: Parameter,
    update: 'adaptive' | 'sgd' | 'none',
    rectification = 1,
  ): void {
    const s = this.secondMoment();
    const amsgrad = this.usesMax(group);
    // A group switched to amsgrad after its first step starts its maximum now.
    if (amsgrad && state[s.maxKey] === undefined) state[s.maxKey] = zeros(param.shape, { backend: param.backend });
    adaptiveUpdate(
      {
        param,
        grad,
        expAvg: state.exp_avg as Tensor,
        second: state[s.key] as Tensor,
        secondMax: amsgrad ? (state[s.maxKey] as Tensor) : undefined,
      },
      {
        lr: this.getLr(state, group),
        beta1: group.betas[0],
        beta2: group.betas[1],
        eps: group.eps,
        step: state.step as number,
        second: s.kind,
        amsgrad,
        update,
        optimizedUpdate: this.optimizedUpdate,
        rectification,
        decay: this.weightDecay.resolve(group),
      },
    );
  }
}
