import { type Tensor, ValueError } from '@tsoptim/core';
import { type ResolvedDecay, fragments } from '@tsoptim/optim';
import { adaptiveKernel } from './internal/adaptive-kernel.js';

/** The tensors of one parameter's update; `second` is `exp_avg_sq` (Adam) or `exp_avg_var` (AdaBelief). */
export interface AdaptiveTensors {
  readonly param: Tensor;
  readonly grad: Tensor;
  readonly expAvg: Tensor;
  readonly second: Tensor;
  /** The running maximum of `second`; required when `amsgrad`. */
  readonly secondMax?: Tensor | undefined;
}

/** Hyper-parameters of one {@link adaptiveUpdate} call. */
export interface AdaptiveUpdateOptions {
  /** The learning rate of this step (after any warm-up or decay schedule). */
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** The step number t ≥ 1, already incremented. */
  readonly step: number;
  /** `sq`: Adam's v = EMA of g²; `belief`: AdaBelief's s = EMA of (g − m)², used as s + ε. */
  readonly second: 'sq' | 'belief';
  /** Use the running maximum of the second moment (AMSGrad). */
  readonly amsgrad: boolean;
  /** `adaptive` (Adam's step), `sgd` (SGD with momentum on m̂), or `none` (moments and decay only). */
  readonly update: 'adaptive' | 'sgd' | 'none';
  /** labml's `optimized_update`: ε added to √v before the bias correction (true) or after it (false). */
  readonly optimizedUpdate: boolean;
  /** RAdam's rectification term r_t multiplying the adaptive step (default 1). */
  readonly rectification?: number;
  /** The weight decay of this group and step. */
  readonly decay: ResolvedDecay;
}

/**
 * The functional form of the Adam family (labml's `get_mv` + `adam_update` / `r_adam_update`), one kernel pass
 * over the parameter. With bc₁ = 1 − β₁ᵗ, bc₂ = 1 − β₂ᵗ, r = `rectification`:
 *
 *   (θ, g) ← decay(θ, g);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²  (or s ← β₂s + (1−β₂)(g−m)², v = s + ε);
 *   v ← max(v_max, v) with AMSGrad;
 *   adaptive, optimized:   θ ← θ − α r √bc₂/bc₁ · m / (√v + ε);
 *   adaptive, unoptimized: θ ← θ − α r/bc₁ · m / (√v/√bc₂ + ε);
 *   sgd:                   θ ← θ − α/bc₁ · m.
 *
 * The step's scalars are computed here, once, on the host.
 *
 * @param t the parameter, its gradient and its state tensors (updated in place).
 * @param o the step's hyper-parameters.
 * @throws ValueError when `amsgrad` is set and `secondMax` is missing.
 * @example
 * // One AMSGrad step of a parameter, as the AMSGrad class runs it.
 * adaptiveUpdate(
 *   { param, grad, expAvg, second: expAvgSq, secondMax: maxExpAvgSq },
 *   { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-16, step: t, second: 'sq', amsgrad: true, update: 'adaptive',
 *     optimizedUpdate: true, decay: new WeightDecay({ weightDecay: 0.01 }).resolve(group) },
 * );
 */
export function adaptiveUpdate(t: AdaptiveTensors, o: AdaptiveUpdateOptions): void {
  if (o.amsgrad && t.secondMax === undefined) throw new ValueError('adaptiveUpdate: amsgrad needs the secondMax tensor');
  const bc1 = fragments.biasCorrection(o.beta1, o.step);
  const bc2 = fragments.biasCorrection(o.beta2, o.step);
  const r = o.rectification ?? 1;
  let stepSize = 0;
  if (o.update === 'sgd') stepSize = o.lr / bc1;
  else if (o.update === 'adaptive') stepSize = o.optimizedUpdate ? (o.lr * Math.sqrt(bc2) * r) / bc1 : (o.lr * r) / bc1;
  const kernel = adaptiveKernel(o.decay.fragment, {
    second: o.second,
    amsgrad: o.amsgrad,
    update: o.update,
    optimized: o.optimizedUpdate,
  });
  const tensors: Record<string, Tensor> = { param: t.param, grad: t.grad, expAvg: t.expAvg, second: t.second };
  if (o.amsgrad) tensors.secondMax = t.secondMax!;
  t.param.backend.run(kernel, {
    tensors,
    scalars: {
      beta1: o.beta1,
      beta2: o.beta2,
      eps: o.eps,
      stepSize,
      invBc2Sqrt: 1 / Math.sqrt(bc2),
      ...o.decay.scalars,
    },
  });
}
