import { type Parameter, type Tensor, defineKernel, k, kernelFamily, zeros } from '@tsoptim/core';
import { type DecayKind, preamble, preambleScalars, resolveDecay } from './kernels/decay.js';
import { descend, ema } from './kernels/moments.js';
import { Optimizer, type ParamGroup, type ParamsInput, type Scheduled } from './optimizer.js';
import { type OptionsDecl, betasCheck, bool, defineOptions, float, nonNegative, pair } from './options.js';
import type { StateSpec } from './state-spec.js';
import { withDefaults } from './validate.js';

/** Options of {@link Lion}; defaults as the authors' reference code. */
export interface LionOptions {
  /** Learning rate (default 1e-4; the paper suggests 3–10× smaller than AdamW's). */
  lr?: number;
  /** β₁ interpolates the update direction, β₂ the momentum (default [0.9, 0.99]). */
  betas?: readonly [number, number];
  /** Decoupled weight decay λ: θ ← θ·(1 − γλ) (default 0). */
  weightDecay?: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
}

/** Lion's options, declared once: defaults, kinds, and the reference's checks (lr, betas, weight_decay). */
export const LION_OPTIONS: OptionsDecl<Required<LionOptions>> = defineOptions<Required<LionOptions>>('Lion', {
  lr: float(1e-4, nonNegative('Invalid learning rate')),
  betas: pair([0.9, 0.99], betasCheck),
  weightDecay: float(0, nonNegative('Invalid weight_decay value')),
  maximize: bool(false),
});

export const LION_DEFAULTS: Required<LionOptions> = LION_OPTIONS.defaults;

/** The per-parameter state: `exp_avg` only (no step count, as the reference code). */
const LION_STATE_SPEC: StateSpec = { scalars: {}, required: ['exp_avg'] };

/** One pass per parameter: reads θ, g, m; writes θ, m. */
export const lionKernel = /*#__PURE__*/ kernelFamily((f: { maximize: boolean; decay: DecayKind }) =>
  defineKernel({
    name: 'lion',
    inputs: ['param', 'grad', 'expAvg'],
    scalars: ['lr', 'beta1', 'beta2', ...preambleScalars(f.decay)],
    outputs: ['param', 'expAvg'],
    body: ({ param, grad, expAvg }, s) => {
      const d = preamble({ param, grad }, s, f);
      const direction = k.sign(ema(expAvg, d.grad, s.beta1));
      return { param: descend(d.param, s.lr, direction), expAvg: ema(expAvg, d.grad, s.beta2) };
    },
  }),
);

/** Hyper-parameters of the functional {@link lion}. */
export interface LionStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  maximize: boolean;
}

/**
 * The Lion update on raw tensors, one fused pass per parameter:
 *
 *   c ← β₁m + (1−β₁)g;  θ ← θ(1 − γλ);  θ ← θ − γ·sign(c);  m ← β₂m + (1−β₂)g
 */
export function lion(params: readonly Tensor[], grads: readonly Tensor[], expAvgs: readonly Tensor[], o: LionStepOptions): void {
  const decay: DecayKind = o.weightDecay === 0 ? 'none' : 'decoupled';
  const kernel = lionKernel({ maximize: o.maximize, decay });
  const scalars = { lr: o.lr, beta1: o.beta1, beta2: o.beta2, ...resolveDecay(decay, o.lr, o.weightDecay).scalars };
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    param.backend.run(kernel, { tensors: { param, grad: grads[i]!, expAvg: expAvgs[i]! }, scalars });
  }
}

/**
 * Lion, EvoLved Sign Momentum (Chen et al., "Symbolic Discovery of Optimization Algorithms",
 * https://arxiv.org/abs/2302.06675, Algorithm 2; google/automl `lion_pytorch.py`): the sign of an interpolation
 * of momentum and gradient, so every element moves by exactly γ; one state tensor instead of Adam's two.
 *
 * State per parameter: `exp_avg` (as the reference code; no step count).
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid beta parameter at index i: …`, `Invalid weight_decay value: …`.
 * @example
 * const opt = new Lion(model.parameters(), { lr: 1e-4, weightDecay: 1 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Lion extends Optimizer<Required<LionOptions>> {
  constructor(params: ParamsInput<LionOptions>, options: Scheduled<LionOptions> = {}) {
    super(params, withDefaults(LION_DEFAULTS, options));
  }

  protected override optionsDecl(): OptionsDecl<Required<LionOptions>> {
    return LION_OPTIONS;
  }

  protected override stateSpec(): StateSpec {
    return LION_STATE_SPEC;
  }

  protected override paramShapedState(): readonly string[] {
    return ['exp_avg'];
  }

  protected updateGroup(group: ParamGroup<Required<LionOptions>>, params: Parameter[]): void {
    const expAvgs = params.map((p) => {
      const s = this.stateOf(p);
      if (s.exp_avg === undefined) s.exp_avg = zeros(p.shape, { backend: p.backend });
      return s.exp_avg as Tensor;
    });
    lion(
      params,
      params.map((p) => p.grad as Tensor),
      expAvgs,
      { lr: group.lr, beta1: group.betas[0], beta2: group.betas[1], weightDecay: group.weightDecay, maximize: group.maximize },
    );
  }
}
