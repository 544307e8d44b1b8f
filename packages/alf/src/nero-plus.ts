import { Parameter, type Tensor, ValueError, defineKernel, defineReduction, type k, kernelFamily, mean, zeros } from '@tsoptim/core';
import {
  type NamedParameter,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type ParamsInput,
  fragments,
  type OptionsDecl,
  type StateSpec,
  SCHEDULER_GROUP_KEYS,
  bool,
  defineOptions,
  float,
  nonNegative,
  pair,
  pyFloat,
  rejectSparse,
  stepState,
  validate,
} from '@tsoptim/optim';
import { optionsFirst } from './internal/options-first.js';
import { type Constraints, constraintsOf, normalize, rowAxes, rowNorms, rowStatShape } from './internal/constraints.js';
import { optArg } from './internal/opt-args.js';

/** Options of {@link NeroPlus}; defaults as ALF's `NeroPlus`. */
export interface NeroPlusOptions {
  /** Learning rate γ (default 0.01); a parameter's `options.lr` replaces it, `options.lrScale` multiplies it. */
  lr?: number;
  /** β₁ (0 ≤ β₁ < 1; 0 turns the gradient average off) and β₂ (0 < β₂ < 1) (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** ε̂ added to √v (default 1e-7). */
  eps?: number;
  /**
   * Normalise by a running average of each row's squared gradient norm (Nero's rule) instead of the
   * elementwise squared gradient (Adam's rule, the default: false).
   */
  normalizingGradByNorm?: boolean;
  /** Maximal L2 norm of each row of a 2+-d parameter (default 1; `Infinity` for none). */
  maxNorm?: number;
  /** Decoupled weight decay, as AdamW: θ ← θ·(1 − lrScale·γ·λ) (default 0). */
  weightDecay?: number;
  /** L2 penalty added to the gradient, as Adam's weight decay (default 0). */
  l2Regularization?: number;
  /** Keep each row's norm at exactly `maxNorm` (default true); false only bounds it. */
  fixedNorm?: boolean;
  /** Keep each row's mean at zero (default true). */
  zeroMean?: boolean;
}

const NERO_PLUS_STATE: StateSpec = stepState(['exp_avg_sq']);

/** NeroPlus's options, declared once: defaults, kinds and ALF's checks. */
export const NERO_PLUS_OPTIONS: OptionsDecl<Required<NeroPlusOptions>> = defineOptions<Required<NeroPlusOptions>>('NeroPlus', {
  lr: float(0.01, nonNegative('Invalid learning rate')),
  betas: pair([0.9, 0.999], ([b0, b1]) =>
    !(b0 >= 0 && b0 < 1)
      ? `Invalid value for betas[0]=${pyFloat(b0)}`
      : !(b1 > 0 && b1 < 1)
        ? `Invalid value for betas[1]=${pyFloat(b1)}`
        : undefined,
  ),
  eps: float(1e-7, nonNegative('Invalid epsilon value')),
  normalizingGradByNorm: bool(false),
  maxNorm: float(1, (v) => (v > 0 ? undefined : `Invalid max_norm value: ${pyFloat(v)}`)),
  weightDecay: float(0, nonNegative('Invalid weight_decay value')),
  l2Regularization: float(0, (v) => (v >= 0 ? undefined : `Invalid l2_regularization value: ${pyFloat(v)}`)),
  fixedNorm: bool(true),
  zeroMean: bool(true),
});

export const NERO_PLUS_DEFAULTS: Required<NeroPlusOptions> = NERO_PLUS_OPTIONS.defaults;

/** What {@link NeroPlus.initialize} accepts: a module (anything with `parameters()`) or parameters. */
export type ParameterSource = Iterable<Parameter> | { parameters(): Iterable<Parameter> };

/** Σ (g + λ₂θ)² over each row: the squared row norm of the (L2-regularised) gradient. */
const rowGradSq = /*#__PURE__*/ kernelFamily((f: { l2: boolean }) =>
  defineReduction({
    name: f.l2 ? 'nero_row_gradsq_l2' : 'nero_row_gradsq',
    inputs: ['grad', 'param'],
    scalars: ['decayCoef'],
    body: ({ grad, param }, s) => fragments.sq(fragments.preamble({ param, grad }, s, { decay: f.l2 ? 'l2' : 'none' }).grad),
    combine: 'sum',
  }),
);

/**
 * NeroPlus's update, one pass per parameter (the row constraints run afterwards):
 * g ← ∇ + λ₂θ;  m ← m + (1−β₁)(g − m) (or m = g when β₁ = 0);  v ← v + (1−β₂)(g² − v) (elementwise rule;
 * with `byNorm` v is the per-row average, updated beforehand and broadcast here);
 * θ ← θ·decayFactor − stepSize · m / (√v + ε).
 */
export const neroPlusKernel = /*#__PURE__*/ kernelFamily((f: { momentum: boolean; l2: boolean; decay: boolean; byNorm: boolean }) => {
  const inputs = ['param', 'grad', ...(f.momentum ? ['expAvg'] : []), 'expAvgSq'];
  const outputs = ['param', ...(f.momentum ? ['expAvg'] : []), ...(f.byNorm ? [] : ['expAvgSq'])];
  return defineKernel({
    name: 'nero_plus',
    inputs,
    scalars: ['beta1', 'beta2', 'eps', 'decayCoef', 'decayFactor', 'stepSize'],
    outputs,
    body: (t, s) => {
      const { grad: g } = fragments.preamble({ param: t.param!, grad: t.grad! }, s, { decay: f.l2 ? 'l2' : 'none' });
      const { param: decayed } = fragments.preamble({ param: t.param!, grad: g }, s, { decay: f.decay ? 'decoupled' : 'none' });
      const m = f.momentum ? fragments.lerpAverage(t.expAvg!, g, s.beta1) : g;
      const v = f.byNorm ? t.expAvgSq! : fragments.lerpAverage(t.expAvgSq!, fragments.sq(g), s.beta2);
      const out: Record<string, k.Expr> = {
        param: fragments.adaptiveStep(decayed, s.stepSize, m, fragments.adamDenominator(v, s.eps)),
      };
      if (f.momentum) out.expAvg = m;
      if (!f.byNorm) out.expAvgSq = v;
      return out;
    },
  });
});

function isSource(x: unknown): x is { parameters(): Iterable<Parameter> } {
  return typeof x === 'object' && x !== null && typeof (x as { parameters?: unknown }).parameters === 'function';
}

function checkPositive(name: string, v: unknown): void {
  if (typeof v === 'number' && !(v > 0)) throw new ValueError(`Invalid ${name} value: ${v}`);
}

/**
 * NeroPlus (ALF's enhanced Nero; Liu et al., "Learning by Turning: Neural Architecture Aware Optimisation",
 * https://arxiv.org/abs/2102.07227). Each row of a 2+-d parameter (the part responsible for one output
 * unit: `p[0]`, `p[1]`, …) is kept at zero mean and at norm `maxNorm` (or at most `maxNorm` when
 * `fixedNorm` is false). 0-d and 1-d parameters (biases) are unconstrained unless their own options ask.
 *
 * Per step, for each parameter with a gradient (t its step count):
 *
 *   g ← ∇ + λ₂θ;  m ← β₁m + (1−β₁)g (m = g when β₁ = 0);
 *   v ← β₂v + (1−β₂)·(g² elementwise, or ‖g_row‖² per row with `normalizingGradByNorm`);
 *   θ ← θ·(1 − s·γ·λ) if λ > 0;  θ ← θ − s·γ·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε)  (1−β₁ᵗ read as 1 when β₁ = 0);
 *   then zeroMean: θ_row ← θ_row − mean(θ_row); maxNorm: θ_row ← θ_row · r, r = maxNorm/(‖θ_row‖ + 1e-30),
 *   clamped at 1 unless fixedNorm.
 *
 * γ is the group's lr or `parameter.options.lr`, s is `parameter.options.lrScale` (default 1); `weightDecay` λ,
 * `l2Regularization` λ₂, `maxNorm`, `fixedNorm` and `zeroMean` may likewise be set per parameter in
 * `parameter.options`. (ALF leaves a 0-d parameter under the group's constraints; here 0-d parameters are
 * unconstrained by default, like 1-d ones.)
 *
 * Parameters must satisfy their constraints when they are given to the optimizer: call
 * {@link NeroPlus.initialize} on the model first. State per parameter is created at once: `step`,
 * `exp_avg_sq` (parameter-shaped, or `[rows, 1, …]` with `normalizingGradByNorm`), `exp_avg` when β₁ > 0.
 *
 * @throws ValueError `Invalid value for betas[0]=…` / `Invalid value for betas[1]=…` (ALF's messages),
 * `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid weight_decay value: …`,
 * `Invalid l2_regularization value: …`, `Invalid max_norm value: …`, and
 * `Unnormalized parameter: …. Model should be initialized using NeroPlus.initialize()` for a 2+-d parameter
 * whose row means or norms are off by 0.01 or more.
 * @example
 * import { parameter } from '@tsoptim/core';
 * import { NeroPlus } from '@tsoptim/alf';
 * const w = parameter([[1, 2, 3], [4, 5, 6]]);
 * const b = parameter([0, 0]);
 * NeroPlus.initialize([w, b]);
 * const opt = new NeroPlus([w, b], { lr: 0.01 });
 * w.setGrad([[0.1, 0, -0.1], [0.2, 0.1, 0]]);
 * b.setGrad([0.5, -0.5]);
 * opt.step();
 */
export class NeroPlus extends Optimizer<Required<NeroPlusOptions>> {
  /**
   * @param params - parameters or groups; default one empty group, as ALF builds its optimizers before it knows
   * the parameters (add them with `addParamGroup`). `new NeroPlus({ lr })` takes the options alone.
   * @param options - see {@link NeroPlusOptions}.
   */
  constructor(params?: ParamsInput<NeroPlusOptions> | NeroPlusOptions, options: NeroPlusOptions = {}) {
    const [ps, o] = optionsFirst(params, options);
    super(ps, validate.withDefaults(NERO_PLUS_DEFAULTS, o));
    for (const g of this.paramGroups) checkInitialized(g.params, this.hyper(g));
    for (const g of this.paramGroups) this.initGroupState(this.hyper(g));
  }

  /**
   * Projects every parameter onto its constraints (ALF's `NeroPlus.initialize`), in place. Defaults as
   * the optimizer's; per-parameter options apply, and 0-d/1-d parameters are left alone unless their
   * options ask for a constraint.
   */
  static initialize(model: ParameterSource, options: { maxNorm?: number; fixedNorm?: boolean; zeroMean?: boolean } = {}): void {
    const defaults: Constraints = {
      maxNorm: options.maxNorm ?? 1,
      fixedNorm: options.fixedNorm ?? true,
      zeroMean: options.zeroMean ?? true,
    };
    checkPositive('max_norm', defaults.maxNorm);
    const params = isSource(model) ? model.parameters() : model;
    for (const p of params) normalize(p, constraintsOf(p, defaults));
  }

  /**
   * Adds a parameter group after checking that its parameters satisfy their constraints (see
   * {@link NeroPlus.initialize}), and creates their state.
   *
   * @throws ValueError for an unnormalised parameter (nothing is added), or as the base class.
   */
  override addParamGroup(group: ParamGroupInput<Partial<Required<NeroPlusOptions>>>): void {
    if (typeof group !== 'object' || group === null || Array.isArray(group)) {
      super.addParamGroup(group);
      return;
    }
    const raw = group.params;
    const items: unknown[] = Parameter.isParameter(raw) ? [raw] : raw instanceof Set ? [] : [...(raw as Iterable<unknown>)];
    const resolved =
      raw instanceof Set || Parameter.isParameter(raw) ? group : { ...group, params: items as (Parameter | NamedParameter)[] };
    const options: Required<NeroPlusOptions> = validate.withDefaults<Required<NeroPlusOptions>>(
      { ...this.defaults },
      group as Partial<Required<NeroPlusOptions>>,
    );
    NERO_PLUS_OPTIONS.check(options as unknown as Record<string, unknown>, { group: this.paramGroups.length }, SCHEDULER_GROUP_KEYS);
    const params = items.map((x) => (Array.isArray(x) ? x[1] : x)).filter((x): x is Parameter => Parameter.isParameter(x));
    checkInitialized(params, options);
    super.addParamGroup(resolved);
    this.initGroupState(this.hyper(this.paramGroups[this.paramGroups.length - 1]!));
  }

  protected override optionsDecl(): OptionsDecl<Required<NeroPlusOptions>> {
    return NERO_PLUS_OPTIONS;
  }

  protected override stateSpec(): StateSpec {
    return NERO_PLUS_STATE;
  }

  /** Rejects sparse gradients and invalid per-parameter options before any parameter changes. */
  protected override checkGradients(params: readonly Parameter[]): void {
    rejectSparse(params, 'NeroPlus does not support sparse gradients');
    for (const p of params) {
      validate.checkLr(p.options.lr);
      validate.checkWeightDecay(p.options.weightDecay);
      const l2 = p.options.l2Regularization;
      if (typeof l2 === 'number' && !(l2 >= 0)) throw new ValueError(`Invalid l2_regularization value: ${l2}`);
      checkPositive('max_norm', p.options.maxNorm);
      if (typeof p.options.lrScale === 'number' && !(p.options.lrScale >= 0)) {
        throw new ValueError(`Invalid lr_scale value: ${p.options.lrScale}`);
      }
    }
  }

  protected override paramShapedState(): readonly string[] {
    return ['exp_avg'];
  }

  protected override stateTensorShape(key: string, param: Parameter): readonly number[] | 'any' | 'list' | undefined {
    if (key === 'exp_avg_sq') {
      const g = this.paramGroups.find((grp) => grp.params.includes(param));
      return g?.normalizingGradByNorm ? rowStatShape(param) : param.shape;
    }
    return super.stateTensorShape(key, param);
  }

  private initGroupState(g: ParamGroup<Required<NeroPlusOptions>>): void {
    for (const p of g.params) {
      const s: ParamState = {};
      this.state.set(p, s);
      initState(s, p, g);
    }
  }

  protected updateGroup(group: ParamGroup<Required<NeroPlusOptions>>, params: Parameter[]): void {
    const [beta1, beta2] = group.betas;
    const byNorm = group.normalizingGradByNorm;
    for (const p of params) {
      const c = constraintsOf(p, group);
      const lr = optArg(p, 'lr', group.lr);
      const lrScale = optArg(p, 'lrScale', 1);
      const wd = optArg(p, 'weightDecay', group.weightDecay);
      const l2 = optArg(p, 'l2Regularization', group.l2Regularization);
      const s = initState(this.stateOf(p), p, group);
      const t = (s.step as number) + 1;
      s.step = t;
      const grad = p.grad as Tensor;
      const expAvgSq = s.exp_avg_sq as Tensor;
      if (byNorm) {
        const sq = zeros(rowStatShape(p), { backend: p.backend });
        const axes = rowAxes(p);
        p.backend.reduce(rowGradSq({ l2: l2 !== 0 }), {
          tensors: { grad, param: p },
          scalars: { decayCoef: l2 },
          out: sq,
          ...(axes === undefined ? {} : { axes }),
        });
        p.backend.run(fragments.lerpKernel, { tensors: { x: expAvgSq, y: sq }, scalars: { w: 1 - beta2 } });
        sq.dispose();
      }
      const momentum = beta1 > 0;
      const tensors: Record<string, Tensor> = { param: p, grad, expAvgSq };
      if (momentum) tensors.expAvg = s.exp_avg as Tensor;
      p.backend.run(neroPlusKernel({ momentum, l2: l2 !== 0, decay: wd > 0, byNorm }), {
        tensors,
        scalars: {
          beta1,
          beta2,
          eps: group.eps,
          ...fragments.resolveDecay('l2', lr, l2).scalars,
          ...fragments.resolveDecay('decoupled', lrScale * lr, wd).scalars,
          // 1 − β₁ᵗ is 1 when β₁ = 0 (no momentum).
          stepSize: fragments.epsHatStepSize(lrScale * lr, beta1, beta2, t),
        },
      });
      normalize(p, c);
    }
  }
}

function initState(s: ParamState, p: Parameter, g: Required<NeroPlusOptions>): ParamState {
  if (s.step === undefined) s.step = 0;
  if (s.exp_avg_sq === undefined) {
    s.exp_avg_sq = zeros(g.normalizingGradByNorm ? rowStatShape(p) : p.shape, { backend: p.backend });
  }
  if (g.betas[0] > 0 && s.exp_avg === undefined) s.exp_avg = zeros(p.shape, { backend: p.backend });
  return s;
}

/** ALF's check on `add_param_group`: 2+-d parameters must already satisfy their constraints (to 0.01). */
function checkInitialized(params: readonly Parameter[], group: Required<NeroPlusOptions>): void {
  for (const p of params) {
    if (p.ndim <= 1) continue;
    const c = constraintsOf(p, group);
    if (c.zeroMean) {
      const m = mean(p, { dim: rowAxes(p)! });
      const values = Array.from(m.data);
      m.dispose();
      const worst = values.reduce((a, v) => (Math.abs(v) > Math.abs(a) ? v : a), 0);
      if (!(Math.abs(worst) < 0.01)) {
        throw new ValueError(`Unnormalized parameter: mean()=${worst}. Model should be initialized using NeroPlus.initialize()`);
      }
    }
    if (c.maxNorm !== Number.POSITIVE_INFINITY) {
      const n = rowNorms(p);
      const norms = Array.from(n.data);
      n.dispose();
      let worst = 0;
      let worstDiff = Number.NEGATIVE_INFINITY;
      for (const v of norms) {
        const d = c.fixedNorm ? Math.abs(v / c.maxNorm - 1) : v / c.maxNorm - 1;
        if (!(d <= worstDiff)) {
          worstDiff = d;
          worst = v;
        }
      }
      if (!(worstDiff < 0.01)) {
        throw new ValueError(`Unnormalized parameter: norm=${worst}. Model should be initialized using NeroPlus.initialize()`);
      }
    }
  }
}
