import { type Parameter, RuntimeError, SparseTensor, type Tensor, ValueError, defineKernel, kernelFamily } from '@tsoptim/core';
import { Optimizer, type ParamGroup, type ParamsInput, fragments } from '@tsoptim/optim';
import { initAdamState, withDefaults } from './internal/adam-state.js';

/** Options of {@link HuggingfaceAdamW}; defaults as transformers' `AdamW`. */
export interface HuggingfaceAdamWOptions {
  /** Learning rate, ≥ 0 (default 1e-3; the registry's `"huggingface_adamw"` uses AllenNLP's 1e-5). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square, each in [0, 1) (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to √v, ≥ 0 (default 1e-6; AllenNLP's `"huggingface_adamw"` uses 1e-8). */
  eps?: number;
  /** Decoupled weight decay λ, applied after the Adam step when > 0 (default 0). */
  weightDecay?: number;
  /** Correct the moments' bias (default true; BERT's original optimizer used false). */
  correctBias?: boolean;
}

/** transformers' `AdamW` defaults. */
export const HUGGINGFACE_ADAMW_DEFAULTS: Required<HuggingfaceAdamWOptions> = {
  lr: 1e-3,
  betas: [0.9, 0.999],
  eps: 1e-6,
  weightDecay: 0,
  correctBias: true,
};

/**
 * One pass per parameter (4 loads, 3 stores): the moments, θ ← θ − s·m/(√v + ε), then, with `decay`,
 * θ ← θ + (−γλ)·θ on the updated θ. `stepSize` s = γ·√(1−β₂ᵗ)/(1−β₁ᵗ) (or γ without bias correction) and
 * `negDecay` = −γλ are host scalars. Also the dense path of {@link DenseSparseAdam} (without decay).
 */
export const huggingfaceAdamWKernel = /*#__PURE__*/ kernelFamily((f: { decay: boolean }) =>
  defineKernel({
    name: 'huggingface_adamw',
    inputs: ['param', 'grad', 'expAvg', 'expAvgSq'],
    scalars: ['beta1', 'beta2', 'eps', 'stepSize', 'decayAfter'],
    outputs: ['param', 'expAvg', 'expAvgSq'],
    body: ({ param, grad, expAvg, expAvgSq }, s) => {
      const { m, v } = fragments.adamMoments({ expAvg, expAvgSq }, grad, s.beta1, s.beta2);
      const stepped = fragments.adaptiveStep(param, s.stepSize, m, fragments.adamDenominator(v, s.eps));
      // transformers decays the updated parameter: θ ← θ − γλ·θ after the step.
      return { param: f.decay ? fragments.decayAfter(stepped, s.decayAfter) : stepped, expAvg: m, expAvgSq: v };
    },
  }),
);

/** Hyper-parameters of the functional {@link huggingfaceAdamW}. */
export interface HuggingfaceAdamWStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  correctBias: boolean;
}

/**
 * transformers' `AdamW` update on raw tensors, one fused pass per parameter:
 *
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  s = γ·√(1−β₂ᵗ)/(1−β₁ᵗ) (γ when `correctBias` is false);
 *   θ ← θ − s·m/(√v + ε);  then, when λ > 0, θ ← θ − γλ·θ (the decay acts on the already updated θ).
 *
 * Unlike torch's AdamW, the decay comes after the step (and multiplies the new θ), and ε is added to √v
 * before the bias correction is folded into the step size (torch adds ε to √v/√(1−β₂ᵗ)).
 *
 * @param steps the step number t (≥ 1) of each parameter's update, already incremented.
 */
export function huggingfaceAdamW(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  expAvgs: readonly Tensor[],
  expAvgSqs: readonly Tensor[],
  steps: readonly number[],
  o: HuggingfaceAdamWStepOptions,
): void {
  const kernel = huggingfaceAdamWKernel({ decay: o.weightDecay > 0 });
  for (let i = 0; i < params.length; i++) {
    const t = steps[i]!;
    const param = params[i]!;
    const stepSize = o.correctBias ? fragments.epsHatStepSize(o.lr, o.beta1, o.beta2, t) : o.lr;
    param.backend.run(kernel, {
      tensors: { param, grad: grads[i]!, expAvg: expAvgs[i]!, expAvgSq: expAvgSqs[i]! },
      scalars: { beta1: o.beta1, beta2: o.beta2, eps: o.eps, stepSize, decayAfter: o.lr * o.weightDecay },
    });
  }
}

/**
 * AdamW as HuggingFace transformers implemented it (`transformers.AdamW`, the optimizer of BERT fine-tuning
 * recipes; AllenNLP's `"huggingface_adamw"`), with `correctBias`. See {@link huggingfaceAdamW} for the update
 * and how it differs from torch's AdamW. Decoupled weight decay: Loshchilov & Hutter,
 * https://arxiv.org/abs/1711.05101.
 *
 * State per parameter: `step`, `exp_avg`, `exp_avg_sq` (torch's layout).
 *
 * @throws ValueError with transformers' messages: `Invalid learning rate: -1 - should be >= 0.0`,
 * `Invalid beta parameter: 1 - should be in [0.0, 1.0)`, `Invalid epsilon value: -1 - should be >= 0.0`.
 * @throws RuntimeError from `step()` on a sparse gradient: `Adam does not support sparse gradients, please consider SparseAdam instead`.
 * @example
 * const opt = new HuggingfaceAdamW(model.parameters(), { lr: 2e-5, weightDecay: 0.01, correctBias: false });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class HuggingfaceAdamW extends Optimizer<Required<HuggingfaceAdamWOptions>> {
  constructor(
    params: ParamsInput,
    options: HuggingfaceAdamWOptions = {},
    defaults: Required<HuggingfaceAdamWOptions> = HUGGINGFACE_ADAMW_DEFAULTS,
  ) {
    super(params, withDefaults(defaults, options));
  }

  protected override validate(o: Record<string, unknown>): void {
    if (typeof o.lr === 'number' && !(o.lr >= 0)) throw new ValueError(`Invalid learning rate: ${o.lr} - should be >= 0.0`);
    if (Array.isArray(o.betas)) {
      if (o.betas.length !== 2) throw new ValueError(`betas must be a pair of numbers, got ${o.betas.length} values`);
      for (const b of o.betas) {
        if (typeof b === 'number' && !(b >= 0 && b < 1)) throw new ValueError(`Invalid beta parameter: ${b} - should be in [0.0, 1.0)`);
      }
    }
    if (typeof o.eps === 'number' && !(o.eps >= 0)) throw new ValueError(`Invalid epsilon value: ${o.eps} - should be >= 0.0`);
  }

  protected override checkGradients(params: readonly Parameter[]): void {
    for (const p of params) {
      if (SparseTensor.isSparse(p.grad))
        throw new RuntimeError('Adam does not support sparse gradients, please consider SparseAdam instead');
    }
  }

  protected override paramShapedState(): readonly string[] {
    return ['exp_avg', 'exp_avg_sq'];
  }

  protected updateGroup(group: ParamGroup<Required<HuggingfaceAdamWOptions>>, params: Parameter[]): void {
    const states = params.map((p) => initAdamState(this.stateOf(p), p));
    const steps = states.map((s) => (s.step = (s.step as number) + 1));
    huggingfaceAdamW(
      params,
      params.map((p) => p.grad as Tensor),
      states.map((s) => s.exp_avg as Tensor),
      states.map((s) => s.exp_avg_sq as Tensor),
      steps,
      {
        lr: group.lr,
        beta1: group.betas[0],
        beta2: group.betas[1],
        eps: group.eps,
        weightDecay: group.weightDecay,
        correctBias: group.correctBias,
      },
    );
  }
}
