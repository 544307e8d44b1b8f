import { type Parameter, type Tensor, defineKernel, type k, kernelFamily } from '@tsoptim/core';
import { type BaseOptions, Optimizer, type ParamGroup, type ParamsInput, type Scheduled } from './optimizer.js';
import { type DecayKind, decayKind, preamble, preambleScalars, resolveDecay } from './kernels/decay.js';
import { adamDenominator, adamMoments, adaptiveStep } from './kernels/moments.js';
import { adamScalars } from './kernels/scalars.js';
import { type OptionsDecl, baseSpecs, betasCheck, bool, defineOptions, float, nonNegative, pair } from './options.js';
import { type StateSpec, stepState } from './state-spec.js';
import { withDefaults } from './validate.js';

/** Options of {@link Adam}; defaults as torch.optim.Adam. */
export interface AdamOptions extends BaseOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Weight decay (default 0): an L2 term added to the gradient, or decoupled (AdamW) when `decoupledWeightDecay`. */
  weightDecay?: number;
  /** Use the AMSGrad variant (default false). */
  amsgrad?: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
  /** Decay the parameter directly, θ ← θ·(1 − γλ), as AdamW does (default false). */
  decoupledWeightDecay?: boolean;
}

/** Adam's options, declared once: defaults, kinds, and torch's checks in torch's order (lr, eps, betas, weight_decay). */
export const ADAM_OPTIONS: OptionsDecl<Required<AdamOptions>> = defineOptions<Required<AdamOptions>>(
  'Adam',
  {
    lr: float(1e-3, nonNegative('Invalid learning rate')),
    betas: pair([0.9, 0.999], betasCheck),
    eps: float(1e-8, nonNegative('Invalid epsilon value')),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
    amsgrad: bool(false),
    maximize: bool(false),
    ...baseSpecs({ fused: true }),
    decoupledWeightDecay: bool(false),
  },
  { order: ['lr', 'eps', 'betas', 'weightDecay'] },
);

export const ADAM_DEFAULTS: Required<AdamOptions> = ADAM_OPTIONS.defaults;

/** The per-parameter state, declared once: checked on load, its scalars restored by a failed step. */
const ADAM_STATE_SPEC: StateSpec = { ...stepState(['exp_avg', 'exp_avg_sq']), notNull: ['max_exp_avg_sq'] };

type AdamFlags = { maximize: boolean; decay: DecayKind; amsgrad: boolean };

/**
 * One pass per parameter: 4 loads and 3 stores (5 and 4 with AMSGrad). Bias corrections are folded into
 * host scalars: stepSize = γ/(1−β₁ᵗ), invBc2Sqrt = 1/√(1−β₂ᵗ).
 */
export const adamKernel = /*#__PURE__*/ kernelFamily((f: AdamFlags) =>
  defineKernel({
    name: 'adam',
    inputs: f.amsgrad ? ['param', 'grad', 'expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['param', 'grad', 'expAvg', 'expAvgSq'],
    scalars: ['beta1', 'beta2', 'eps', 'stepSize', 'invBc2Sqrt', ...preambleScalars(f.decay)],
    outputs: f.amsgrad ? ['param', 'expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['param', 'expAvg', 'expAvgSq'],
    body: (t, s) => {
      const ins = t as Record<string, k.Expr>;
      const { param, grad } = preamble({ param: ins.param!, grad: ins.grad! }, s, f);
      const state = { expAvg: ins.expAvg!, expAvgSq: ins.expAvgSq!, maxExpAvgSq: ins.maxExpAvgSq };
      const { m, v, vHat } = adamMoments(state, grad, s.beta1, s.beta2, { amsgrad: f.amsgrad });
      const out: Record<string, k.Expr> = {
        param: adaptiveStep(param, s.stepSize, m, adamDenominator(vHat, s.eps, s.invBc2Sqrt)),
        expAvg: m,
        expAvgSq: v,
      };
      if (f.amsgrad) out.maxExpAvgSq = vHat;
      return out as never;
    },
  }),
);

const ADAM_STATE = ['exp_avg', 'exp_avg_sq'] as const;
const ADAM_AMSGRAD_STATE = ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] as const;

/** Hyper-parameters of the functional {@link adam}. */
export interface AdamStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  decoupledWeightDecay: boolean;
}

/**
 * The Adam update on raw tensors (torch.optim's functional `adam`), one fused pass per parameter:
 *
 *   g ← ±∇ (+ λθ, or θ ← θ(1−γλ) when decoupled);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
 *   v̂ ← max(v̂, v) (AMSGrad);  θ ← θ − γ/(1−β₁ᵗ) · m / (√v̂ /√(1−β₂ᵗ) + ε)
 *
 * @param steps the step number t (≥ 1) of each parameter's update, already incremented.
 * @param maxExpAvgSqs used only when `amsgrad`.
 */
export function adam(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  expAvgs: readonly Tensor[],
  expAvgSqs: readonly Tensor[],
  maxExpAvgSqs: readonly (Tensor | undefined)[],
  steps: readonly number[],
  o: AdamStepOptions,
): void {
  const decay = decayKind(o.weightDecay, o.decoupledWeightDecay);
  const kernel = adamKernel({ maximize: o.maximize, decay, amsgrad: o.amsgrad });
  const decayScalars = resolveDecay(decay, o.lr, o.weightDecay).scalars;
  // Parameters of a group usually share their step count: the scalars are computed once per distinct t.
  let lastT = Number.NaN;
  let scalars: Record<string, number> = {};
  for (let i = 0; i < params.length; i++) {
    const t = steps[i]!;
    const param = params[i]!;
    if (t !== lastT) {
      lastT = t;
      scalars = { beta1: o.beta1, beta2: o.beta2, eps: o.eps, ...adamScalars(o.lr, o.beta1, o.beta2, t), ...decayScalars };
    }
    const tensors: Record<string, Tensor> = { param, grad: grads[i]!, expAvg: expAvgs[i]!, expAvgSq: expAvgSqs[i]! };
    if (o.amsgrad) tensors.maxExpAvgSq = maxExpAvgSqs[i]!;
    param.backend.run(kernel, { tensors, scalars });
  }
}

/**
 * Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", https://arxiv.org/abs/1412.6980) with
 * AMSGrad (Reddi et al., "On the Convergence of Adam and Beyond", https://openreview.net/forum?id=ryQu7f-RZ),
 * as torch.optim.Adam, including `decoupledWeightDecay` (AdamW's decay).
 *
 * State per parameter: `step`, `exp_avg`, `exp_avg_sq`, and `max_exp_avg_sq` with AMSGrad.
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid beta parameter at index i: …`,
 * `Invalid weight_decay value: …`.
 * @example
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 * for (const batch of data) { opt.zeroGrad(); loss(batch).backward(); opt.step(); }
 */
export class Adam extends Optimizer<Required<AdamOptions>> {
  constructor(params: ParamsInput<AdamOptions>, options: Scheduled<AdamOptions> = {}, defaults: Required<AdamOptions> = ADAM_DEFAULTS) {
    super(params, withDefaults(defaults, options));
  }

  protected override optionsDecl(): OptionsDecl<Required<AdamOptions>> {
    return ADAM_OPTIONS;
  }

  protected override stateSpec(): StateSpec {
    return ADAM_STATE_SPEC;
  }

  protected override paramShapedState(): readonly string[] {
    return ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'];
  }

  protected updateGroup(group: ParamGroup<Required<AdamOptions>>, params: Parameter[]): void {
    const keys = group.amsgrad ? ADAM_AMSGRAD_STATE : ADAM_STATE;
    const n = params.length;
    const grads = new Array<Tensor>(n);
    const expAvgs = new Array<Tensor>(n);
    const expAvgSqs = new Array<Tensor>(n);
    const maxExpAvgSqs = new Array<Tensor | undefined>(n);
    const steps = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      const s = this.lazyState(p, keys);
      steps[i] = s.step = (s.step as number) + 1;
      grads[i] = p.grad as Tensor;
      expAvgs[i] = s.exp_avg as Tensor;
      expAvgSqs[i] = s.exp_avg_sq as Tensor;
      maxExpAvgSqs[i] = s.max_exp_avg_sq as Tensor | undefined;
    }
    adam(params, grads, expAvgs, expAvgSqs, maxExpAvgSqs, steps, {
      lr: group.lr,
      beta1: group.betas[0],
      beta2: group.betas[1],
      eps: group.eps,
      weightDecay: group.weightDecay,
      amsgrad: group.amsgrad,
      maximize: group.maximize,
      decoupledWeightDecay: group.decoupledWeightDecay,
    });
  }
}
