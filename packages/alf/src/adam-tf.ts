import { type Parameter, type Tensor, defineKernel, type k, kernelFamily, zeros } from '@tsoptim/core';
import {
  Optimizer,
  type OptionsDecl,
  type ParamGroup,
  type ParamState,
  type ParamsInput,
  type StateSpec,
  betasCheck,
  bool,
  defineOptions,
  fragments,
  float,
  nonNegative,
  pair,
  rejectSparse,
  stepState,
  validate,
} from '@tsoptim/optim';
import { optionsFirst } from './internal/options-first.js';
import { optArg } from './internal/opt-args.js';

/** Options of {@link AdamTF}; defaults as ALF's `AdamTF`. */
export interface AdamTFOptions {
  /** Learning rate γ (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** ε̂ of the Adam paper, added to √v before bias correction (default 1e-7, TensorFlow's value). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0); a parameter's `options.weightDecay` overrides it. */
  weightDecay?: number;
  /** Use the AMSGrad variant (default false). */
  amsgrad?: boolean;
}

const ADAM_TF_STATE: StateSpec = stepState(['exp_avg', 'exp_avg_sq']);

/** AdamTF's options, declared once: defaults, kinds and ALF's (torch's) checks in their order. */
export const ADAM_TF_OPTIONS: OptionsDecl<Required<AdamTFOptions>> = defineOptions<Required<AdamTFOptions>>(
  'AdamTF',
  {
    lr: float(1e-3, nonNegative('Invalid learning rate')),
    betas: pair([0.9, 0.999], betasCheck),
    eps: float(1e-7, nonNegative('Invalid epsilon value')),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
    amsgrad: bool(false),
  },
  { order: ['lr', 'eps', 'betas', 'weightDecay'] },
);

export const ADAM_TF_DEFAULTS: Required<AdamTFOptions> = ADAM_TF_OPTIONS.defaults;

/**
 * One pass per parameter: g (+ λθ), m ← m + (1−β₁)(g − m), v ← β₂v + (1−β₂)g², v̂ ← max(v̂, v) (AMSGrad),
 * θ ← θ − stepSize · m / (√v̂ + ε) with stepSize = γ·√(1−β₂ᵗ)/(1−β₁ᵗ) computed on the host.
 */
export const adamTfKernel = /*#__PURE__*/ kernelFamily((f: { decay: boolean; amsgrad: boolean }) =>
  defineKernel({
    name: 'adam_tf',
    inputs: f.amsgrad ? ['param', 'grad', 'expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['param', 'grad', 'expAvg', 'expAvgSq'],
    scalars: ['beta1', 'beta2', 'eps', 'decayCoef', 'stepSize'],
    outputs: f.amsgrad ? ['param', 'expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['param', 'expAvg', 'expAvgSq'],
    body: (t, s) => {
      const ins = t as Record<string, k.Expr>;
      const { param, grad } = fragments.preamble({ param: ins.param!, grad: ins.grad! }, s, { decay: f.decay ? 'l2' : 'none' });
      // TensorFlow's convention: m as a lerp, ε̂ added to √v̂ (the bias corrections are in stepSize).
      const state = { expAvg: ins.expAvg!, expAvgSq: ins.expAvgSq!, maxExpAvgSq: ins.maxExpAvgSq };
      const { m, v, vHat } = fragments.adamMoments(state, grad, s.beta1, s.beta2, {
        first: fragments.lerpAverage,
        amsgrad: f.amsgrad,
      });
      const out: Record<string, k.Expr> = {
        param: fragments.adaptiveStep(param, s.stepSize, m, fragments.adamDenominator(vHat, s.eps)),
        expAvg: m,
        expAvgSq: v,
      };
      if (f.amsgrad) out.maxExpAvgSq = vHat;
      return out as never;
    },
  }),
);

/** Hyper-parameters of the functional {@link adamTf}. */
export interface AdamTFStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** One L2 coefficient per parameter. */
  weightDecays: readonly number[];
  amsgrad: boolean;
}

/**
 * The AdamTF update on raw tensors, one fused pass per parameter (TensorFlow's epsilon-hat convention):
 *
 *   g ← ∇ + λθ;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  v̂ ← max(v̂, v) (AMSGrad);
 *   θ ← θ − γ·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v̂ + ε̂)
 *
 * ε̂ is added to √v before the bias correction (unlike torch.optim.Adam, which adds ε to √(v/(1−β₂ᵗ))).
 *
 * @param steps the step number t (≥ 1) of each parameter, already incremented.
 * @param maxExpAvgSqs used only when `amsgrad`.
 */
export function adamTf(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  expAvgs: readonly Tensor[],
  expAvgSqs: readonly Tensor[],
  maxExpAvgSqs: readonly (Tensor | undefined)[],
  steps: readonly number[],
  o: AdamTFStepOptions,
): void {
  for (let i = 0; i < params.length; i++) {
    const t = steps[i]!;
    const param = params[i]!;
    const weightDecay = o.weightDecays[i] ?? 0;
    const kernel = adamTfKernel({ decay: weightDecay !== 0, amsgrad: o.amsgrad });
    const tensors: Record<string, Tensor> = { param, grad: grads[i]!, expAvg: expAvgs[i]!, expAvgSq: expAvgSqs[i]! };
    if (o.amsgrad) tensors.maxExpAvgSq = maxExpAvgSqs[i]!;
    param.backend.run(kernel, {
      tensors,
      scalars: {
        beta1: o.beta1,
        beta2: o.beta2,
        eps: o.eps,
        decayCoef: weightDecay,
        stepSize: fragments.epsHatStepSize(o.lr, o.beta1, o.beta2, t),
      },
    });
  }
}

/**
 * Adam with TensorFlow's convention (ALF's `AdamTF`): ε̂ (default 1e-7) is added to √v before the bias
 * correction, and the bias corrections are folded into the step size γ·√(1−β₂ᵗ)/(1−β₁ᵗ). With AMSGrad
 * (Reddi et al., https://openreview.net/forum?id=ryQu7f-RZ). Kingma & Ba, "Adam: A Method for Stochastic
 * Optimization", https://arxiv.org/abs/1412.6980, section 2 (ε̂ in the last paragraph).
 *
 * Each parameter may set its own L2 coefficient with `parameter.options.weightDecay`, which replaces the
 * group's `weightDecay` for that parameter. State per parameter (torch's layout): `step`, `exp_avg`,
 * `exp_avg_sq`, and `max_exp_avg_sq` with AMSGrad.
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid beta parameter at index i: …`,
 * `Invalid weight_decay value: …` (ALF's messages, which are torch's).
 * @throws ValueError `Invalid weight_decay value: …` at `step()` for a negative `parameter.options.weightDecay`.
 * @throws RuntimeError on a sparse gradient.
 * @example
 * import { parameter } from '@tsoptim/core';
 * import { AdamTF } from '@tsoptim/alf';
 * const w = parameter([1, 2, 3], { options: { weightDecay: 0.01 } });
 * const opt = new AdamTF([w], { lr: 0.01 });
 * w.setGrad([0.1, -0.2, 0.3]);
 * opt.step();
 */
export class AdamTF extends Optimizer<Required<AdamTFOptions>> {
  /**
   * @param params - parameters or groups; default one empty group, as ALF builds its optimizers before it knows
   * the parameters (add them with `addParamGroup`). `new AdamTF({ lr })` takes the options alone.
   * @param options - see {@link AdamTFOptions}.
   */
  constructor(params?: ParamsInput<AdamTFOptions> | AdamTFOptions, options: AdamTFOptions = {}) {
    const [ps, o] = optionsFirst(params, options);
    super(ps, validate.withDefaults(ADAM_TF_DEFAULTS, o));
  }

  protected override optionsDecl(): OptionsDecl<Required<AdamTFOptions>> {
    return ADAM_TF_OPTIONS;
  }

  protected override stateSpec(): StateSpec {
    return ADAM_TF_STATE;
  }

  /** Rejects sparse gradients and invalid per-parameter weight decay before any parameter changes. */
  protected override checkGradients(params: readonly Parameter[]): void {
    rejectSparse(params, 'Adam does not support sparse gradients, please consider SparseAdam instead');
    for (const p of params) validate.checkWeightDecay(p.options.weightDecay);
  }

  protected override paramShapedState(): readonly string[] {
    return ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'];
  }

  /** Clears the state of every parameter (ALF's `reset_state`): steps restart at 0, averages at zero. */
  resetState(): void {
    for (const g of this.paramGroups) for (const p of g.params) this.state.set(p, initState({}, p, g.amsgrad));
  }

  protected updateGroup(group: ParamGroup<Required<AdamTFOptions>>, params: Parameter[]): void {
    const states = params.map((p) => initState(this.stateOf(p), p, group.amsgrad));
    const steps = states.map((s) => (s.step = (s.step as number) + 1));
    adamTf(
      params,
      params.map((p) => p.grad as Tensor),
      states.map((s) => s.exp_avg as Tensor),
      states.map((s) => s.exp_avg_sq as Tensor),
      states.map((s) => s.max_exp_avg_sq as Tensor | undefined),
      steps,
      {
        lr: group.lr,
        beta1: group.betas[0],
        beta2: group.betas[1],
        eps: group.eps,
        weightDecays: params.map((p) => optArg(p, 'weightDecay', group.weightDecay)),
        amsgrad: group.amsgrad,
      },
    );
  }
}

function initState(s: ParamState, p: Parameter, amsgrad: boolean): ParamState {
  if (s.step === undefined) {
    s.step = 0;
    s.exp_avg = zeros(p.shape, { backend: p.backend });
    s.exp_avg_sq = zeros(p.shape, { backend: p.backend });
  }
  if (amsgrad && s.max_exp_avg_sq === undefined) s.max_exp_avg_sq = zeros(p.shape, { backend: p.backend });
  return s;
}
