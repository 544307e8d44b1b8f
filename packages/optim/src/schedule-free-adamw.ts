import { RuntimeError, type Tensor, defineKernel, k } from '@tsoptim/core';
import { defineAlgorithm, functionalForm } from './algorithm.js';
import { lerpKernel } from './kernels/lerp.js';
import { adamDenominator, descend, ema, lerp, sq } from './kernels/moments.js';
import { biasCorrection } from './kernels/scalars.js';
import type { Closure, StoredParamGroup } from './optimizer.js';
import { type OptionsDecl, betasCheck, defineOptions, float, int, nonNegative, pair } from './options.js';

/** Options of {@link ScheduleFreeAdamW}; defaults as the authors' `AdamWScheduleFree`. */
export interface ScheduleFreeAdamWOptions {
  /** Learning rate γ (default 0.0025). */
  lr?: number;
  /** β₁ interpolates between the iterates (y between x and z), β₂ averages g² (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to √v (default 1e-8). */
  eps?: number;
  /** Weight decay λ, taken at y and added to the normalised gradient (default 0). */
  weightDecay?: number;
  /** Linear warm-up of γ over this many steps (default 0). */
  warmupSteps?: number;
  /** The averaging weight grows as (k+1)^r (default 0). */
  r?: number;
  /** The averaging weight grows as γmax^p (default 2). */
  weightLrPower?: number;
}

/** The running values of the averaging a group holds beside its options (torch-style group entries, as the reference). */
interface ScheduleFreeRunning {
  /** Steps taken by the group. */
  k: number;
  /** Whether the parameters hold y (training) or x (evaluation). */
  trainMode: boolean;
  /** Σ of the averaging weights so far. */
  weightSum: number;
  /** The largest warmed-up learning rate so far (−1 before the first step). */
  lrMax: number;
}

/**
 * Schedule-Free AdamW's options, declared once (Adam's checks in torch's order, then warm-up steps ≥ 0), and the
 * running values of the averaging each group keeps (`k`, `train_mode`, `weight_sum`, `lr_max`).
 */
export const SCHEDULE_FREE_ADAMW_OPTIONS: OptionsDecl<Required<ScheduleFreeAdamWOptions>> = defineOptions<
  Required<ScheduleFreeAdamWOptions>
>(
  'ScheduleFreeAdamW',
  {
    lr: float(0.0025, nonNegative('Invalid learning rate')),
    betas: pair([0.9, 0.999], betasCheck),
    eps: float(1e-8, nonNegative('Invalid epsilon value')),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
    warmupSteps: int(0, nonNegative('Invalid warmup_steps value')),
    r: float(0),
    weightLrPower: float(2),
  },
  {
    order: ['lr', 'eps', 'betas', 'weightDecay'],
    running: {
      k: { kind: { type: 'int' }, initial: 0, check: nonNegative('Invalid k') },
      trainMode: { kind: { type: 'boolean' }, initial: true },
      weightSum: { kind: { type: 'float' }, initial: 0, check: nonNegative('Invalid weight_sum') },
      lrMax: { kind: { type: 'float' }, initial: -1 },
    },
  },
);

export const SCHEDULE_FREE_ADAMW_DEFAULTS: Required<ScheduleFreeAdamWOptions> = SCHEDULE_FREE_ADAMW_OPTIONS.defaults;

/**
 * One pass per parameter: reads y (the parameter), g, z, v; writes y, z, v.
 * v ← β₂v + (1−β₂)g²;  u = g/(√v + ε) + λy;  y ← lerp(y, z, c) + yCoef·u;  z ← z − γ·u.
 */
export const scheduleFreeAdamWKernel = /*#__PURE__*/ defineKernel({
  name: 'schedule_free_adamw',
  inputs: ['param', 'grad', 'z', 'expAvgSq'],
  scalars: ['lr', 'beta2', 'eps', 'weightDecay', 'ckp1', 'yCoef'],
  outputs: ['param', 'z', 'expAvgSq'],
  body: ({ param, grad, z, expAvgSq }, s) => {
    const v = ema(expAvgSq, sq(grad), s.beta2);
    const u = k.add(k.div(grad, adamDenominator(v, s.eps)), k.mul(s.weightDecay, param));
    return { param: k.add(lerp(param, z, s.ckp1), k.mul(s.yCoef, u)), z: descend(z, s.lr, u), expAvgSq: v };
  },
});

/** Hyper-parameters of one {@link scheduleFreeAdamW} call (one group, one step). */
export interface ScheduleFreeAdamWStepOptions {
  /** The step's learning rate γₜ (warmed up, times √(1−β₂^(k+1))). */
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** c = wₖ/Σw, the weight of z in the new average. */
  ckp1: number;
}

/**
 * Schedule-Free AdamW, declared once: options with the group's running values, state (`z`, a copy of the parameter
 * at its first step, and `exp_avg_sq`; no step count: the group's `k` counts steps), kernel and scalars. The
 * step options come from the group's running values, which they advance: γₜ with warm-up and γmax, the weight
 * wₖ and c = wₖ/Σw.
 */
const ScheduleFreeAdamWAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'ScheduleFreeAdamW',
  options: SCHEDULE_FREE_ADAMW_OPTIONS,
  state: { step: false, tensors: ['z', 'exp_avg_sq'], initial: { z: (p) => p.clone() } },
  stepOptions: (options, stored): ScheduleFreeAdamWStepOptions => {
    const [beta1, beta2] = options.betas;
    const group = stored as unknown as ScheduleFreeRunning;
    const k = group.k;
    const sched = k < options.warmupSteps ? (k + 1) / options.warmupSteps : 1;
    const lr = options.lr * sched * Math.sqrt(biasCorrection(beta2, k + 1));
    const lrMax = Math.max(lr, group.lrMax);
    const weight = (k + 1) ** options.r * lrMax ** options.weightLrPower;
    const weightSum = group.weightSum + weight;
    Object.assign(group, { k: k + 1, lrMax, weightSum });
    return { lr, beta1, beta2, eps: options.eps, weightDecay: options.weightDecay, ckp1: weightSum !== 0 ? weight / weightSum : 0 };
  },
  kernel: () => scheduleFreeAdamWKernel,
  scalars: (o) => ({
    lr: o.lr,
    beta2: o.beta2,
    eps: o.eps,
    weightDecay: o.weightDecay,
    ckp1: o.ckp1,
    yCoef: o.lr * (o.beta1 * (1 - o.ckp1) - 1),
  }),
});

/**
 * The Schedule-Free AdamW update of one group's parameters, one fused pass per parameter:
 * `scheduleFreeAdamW(params, grads, zs, expAvgSqs, options)`.
 */
export const scheduleFreeAdamW = /*#__PURE__*/ functionalForm(ScheduleFreeAdamWAlgorithm);

/**
 * Schedule-Free AdamW (Defazio et al., "The Road Less Scheduled", https://arxiv.org/abs/2405.15682;
 * facebookresearch/schedule_free `adamw_schedulefree.py`): no learning-rate schedule, and no decay of it, is
 * needed; the iterate averaging replaces it. The parameters hold y, the point gradients are taken at, while
 * training; call {@link ScheduleFreeAdamW.eval} before evaluating or saving the model (the parameters then hold
 * the average x) and {@link ScheduleFreeAdamW.train} before training again:
 *
 *   γₜ = γ·min(1, (k+1)/warmup)·√(1−β₂^(k+1));  γmax ← max(γmax, γₜ);  wₖ = (k+1)^r·γmax^p;  c = wₖ/Σw;
 *   v ← β₂v + (1−β₂)g²;  u = g/(√v + ε) + λy;  y ← (1−c)y + cz + γₜ(β₁(1−c) − 1)u;  z ← z − γₜu
 *
 * The optimizer starts in train mode. Group entries beyond the options, as the reference keeps them: `k`,
 * `train_mode`, `weight_sum`, `lr_max`. State per parameter: `z` (a copy of the parameter at its first step),
 * `exp_avg_sq`.
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid beta parameter at index i: …`,
 * `Invalid weight_decay value: …`.
 * @throws RuntimeError `Not in train mode!` from `step()` after `eval()`.
 * @example
 * const opt = new ScheduleFreeAdamW(model.parameters(), { lr: 0.0025, warmupSteps: 100 });
 * for (const batch of data) { opt.zeroGrad(); loss(batch).backward(); opt.step(); }
 * opt.eval(); // evaluate or save with the averaged weights
 */
export class ScheduleFreeAdamW extends ScheduleFreeAdamWAlgorithm {
  protected override stepImpl(closure: Closure | undefined): number | undefined {
    for (const g of this.paramGroups as unknown as ScheduleFreeRunning[]) if (!g.trainMode) throw new RuntimeError('Not in train mode!');
    return super.stepImpl(closure);
  }

  /** Parameters to x, the average to evaluate (a no-op in eval mode): θ ← θ + (1 − 1/β₁)(z − θ). */
  eval(): void {
    this.switchMode(false);
  }

  /** Parameters back to y, where gradients are taken (a no-op in train mode): θ ← θ + (1 − β₁)(z − θ). */
  train(): void {
    this.switchMode(true);
  }

  private switchMode(train: boolean): void {
    for (const group of this.paramGroups as (StoredParamGroup<Required<ScheduleFreeAdamWOptions>> & ScheduleFreeRunning)[]) {
      if (group.trainMode === train) continue;
      const beta1 = this.hyper(group).betas[0];
      const w = train ? 1 - beta1 : 1 - 1 / beta1;
      for (const p of group.params) {
        const z = this.state.get(p)?.z as Tensor | undefined;
        if (z !== undefined) p.backend.run(lerpKernel, { tensors: { x: p, y: z }, scalars: { w } });
      }
      group.trainMode = train;
    }
  }
}
