import { type Parameter, type Tensor, defineKernel, k, kernelFamily } from '@tsoptim/core';
import { type BaseOptions, Optimizer, type ParamGroup, type ParamsInput, type Scheduled } from './optimizer.js';
import { preamble } from './kernels/decay.js';
import { descend, ema, sq } from './kernels/moments.js';
import { type StateSpec, stepState } from './state-spec.js';
import { withDefaults } from './validate.js';
import { type OptionsDecl, baseSpecs, bool, float, nonNegative, withoutFused, defineOptions } from './options.js';

/** Options of {@link RMSprop}; defaults as torch.optim.RMSprop. */
export interface RMSpropOptions extends Omit<BaseOptions, 'fused'> {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Smoothing constant of the running averages (default 0.99). */
  alpha?: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Normalise by the estimated variance of the gradient instead of its second moment (default false). */
  centered?: boolean;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
}

/** RMSprop's options, declared once: defaults, kinds and torch's checks (in torch's order). */
export const RMSPROP_OPTIONS: OptionsDecl<Required<RMSpropOptions>> = defineOptions<Required<RMSpropOptions>>(
  'RMSprop',
  {
    lr: float(1e-2, nonNegative('Invalid learning rate')),
    momentum: float(0, nonNegative('Invalid momentum value')),
    alpha: float(0.99, nonNegative('Invalid alpha value')),
    eps: float(1e-8, nonNegative('Invalid epsilon value')),
    centered: bool(false),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
    ...withoutFused(baseSpecs({ fused: false })),
    maximize: bool(false),
  },
  { order: ['lr', 'eps', 'momentum', 'weightDecay', 'alpha'] },
);

export const RMSPROP_DEFAULTS: Required<RMSpropOptions> = RMSPROP_OPTIONS.defaults;

/** The per-parameter state, declared once: checked on load, its scalars restored by a failed step. */
const RMSPROP_STATE_SPEC: StateSpec = { ...stepState(['square_avg']), notNull: ['momentum_buffer', 'grad_avg'] };

type RMSpropFlags = { maximize: boolean; decay: boolean; centered: boolean; momentum: boolean };

/** One pass per parameter over param, grad, square_avg, and grad_avg / momentum_buffer when used. */
export const rmspropKernel = /*#__PURE__*/ kernelFamily((f: RMSpropFlags) => {
  const inputs = ['param', 'grad', 'squareAvg'];
  if (f.centered) inputs.push('gradAvg');
  if (f.momentum) inputs.push('buf');
  const outputs = inputs.filter((n) => n !== 'grad');
  return defineKernel({
    name: 'rmsprop',
    inputs,
    scalars: ['lr', 'alpha', 'eps', 'decayCoef', 'momentum'],
    outputs,
    body: (t, s) => {
      const ins = t as Record<string, k.Expr>;
      const param = ins.param!;
      const { grad: g } = preamble({ param, grad: ins.grad! }, s, { maximize: f.maximize, decay: f.decay ? 'l2' : 'none' });
      const v = ema(ins.squareAvg!, sq(g), s.alpha);
      const out: Record<string, k.Expr> = { squareAvg: v };
      let avg: k.Expr;
      if (f.centered) {
        const ga = ema(ins.gradAvg!, g, s.alpha);
        out.gradAvg = ga;
        avg = k.add(k.sqrt(k.sub(v, k.mul(ga, ga))), s.eps);
      } else {
        avg = k.add(k.sqrt(v), s.eps);
      }
      if (f.momentum) {
        const b = k.add(k.mul(s.momentum, ins.buf!), k.div(g, avg));
        out.buf = b;
        out.param = descend(param, s.lr, b);
      } else {
        out.param = descend(param, s.lr, k.div(g, avg));
      }
      return out as never;
    },
  });
});

/** Hyper-parameters of the functional {@link rmsprop}. */
export interface RMSpropStepOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/**
 * The RMSprop update on raw tensors (torch.optim's functional `rmsprop`), one fused pass per parameter:
 *
 *   g ← ±∇ + λθ;  v ← αv + (1−α)g²;  ḡ ← αḡ + (1−α)g (centered);  d ← √(v − ḡ²) + ε (centered) or √v + ε;
 *   b ← μb + g/d, θ ← θ − γb (momentum > 0);  θ ← θ − γ g/d (otherwise)
 *
 * @param gradAvgs ḡ per parameter, used when `centered`; @param momentumBuffers b, used when momentum > 0.
 */
export function rmsprop(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  squareAvgs: readonly Tensor[],
  gradAvgs: readonly (Tensor | undefined)[],
  momentumBuffers: readonly (Tensor | undefined)[],
  o: RMSpropStepOptions,
): void {
  const momentum = o.momentum > 0;
  const kernel = rmspropKernel({ maximize: o.maximize, decay: o.weightDecay !== 0, centered: o.centered, momentum });
  const scalars = { lr: o.lr, alpha: o.alpha, eps: o.eps, decayCoef: o.weightDecay, momentum: o.momentum };
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    const tensors: Record<string, Tensor> = { param, grad: grads[i]!, squareAvg: squareAvgs[i]! };
    if (o.centered) tensors.gradAvg = gradAvgs[i]!;
    if (momentum) tensors.buf = momentumBuffers[i]!;
    param.backend.run(kernel, { tensors, scalars });
  }
}

/**
 * RMSprop (Hinton, Neural Networks for Machine Learning, lecture 6e,
 * https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf), with the centered variant of
 * Graves ("Generating Sequences With Recurrent Neural Networks", https://arxiv.org/abs/1308.0850), as
 * torch.optim.RMSprop:
 *
 *   g ← ±∇f(θ) + λθ;  v ← αv + (1−α)g²;  ḡ ← αḡ + (1−α)g (centered);
 *   d ← √(v − ḡ²) + ε (centered) or √v + ε;  b ← μb + g/d, θ ← θ − γb (momentum > 0), else θ ← θ − γ g/d
 *
 * State per parameter: `step`, `square_avg` (v), `momentum_buffer` (b, when momentum > 0), `grad_avg` (ḡ, when
 * centered).
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid momentum value: …`,
 * `Invalid weight_decay value: …`, `Invalid alpha value: …`.
 * @example
 * const opt = new RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9, centered: true });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class RMSprop extends Optimizer<Required<RMSpropOptions>> {
  constructor(params: ParamsInput<RMSpropOptions>, options: Scheduled<RMSpropOptions> = {}) {
    super(params, withDefaults(RMSPROP_DEFAULTS, options));
  }

  protected override optionsDecl(): OptionsDecl<Required<RMSpropOptions>> {
    return RMSPROP_OPTIONS;
  }

  protected override stateSpec(): StateSpec {
    return RMSPROP_STATE_SPEC;
  }

  protected override paramShapedState(): readonly string[] {
    return ['square_avg', 'momentum_buffer', 'grad_avg'];
  }

  protected updateGroup(group: ParamGroup<Required<RMSpropOptions>>, params: Parameter[]): void {
    const buffers = rmspropBuffers(group);
    const states = params.map((p) => this.lazyState(p, buffers));
    for (const s of states) s.step = (s.step as number) + 1;
    rmsprop(
      params,
      params.map((p) => p.grad as Tensor),
      states.map((s) => s.square_avg as Tensor),
      states.map((s) => s.grad_avg as Tensor | undefined),
      states.map((s) => s.momentum_buffer as Tensor | undefined),
      group,
    );
  }
}

function rmspropBuffers(group: { momentum: number; centered: boolean }): string[] {
  const keys = ['square_avg'];
  if (group.momentum > 0) keys.push('momentum_buffer');
  if (group.centered) keys.push('grad_avg');
  return keys;
}
