import { RuntimeError, type Tensor, defineKernel, defineReduction, k, kernelFamily, zeros } from '@tsoptim/core';
import { defineAlgorithm } from './algorithm.js';
import { decayAfter, type DecayKind, preamble, preambleScalars, resolveDecay } from './kernels/decay.js';
import { descend, sq } from './kernels/moments.js';
import { type Closure, evaluateClosure } from './optimizer.js';
import { type OptionsDecl, betasCheck, bool, defineOptions, float, inRange, nonNegative, pair, positive } from './options.js';

/** Options of {@link Prodigy}; defaults as the authors' `Prodigy`. */
export interface ProdigyOptions {
  /** Multiplies the estimated step size d (default 1; leave it at 1 and schedule it if anything). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]; β₁ = 0: no momentum). */
  betas?: readonly [number, number];
  /** Coefficient of the running sums behind d's estimate (default null: √β₂). */
  beta3?: number | null;
  /** Added to √v, times d (default 1e-8). */
  eps?: number;
  /** Weight decay λ (default 0): decoupled, θ ← θ(1 − λ·dγ), unless `decouple` is false (then L2 in the gradient). */
  weightDecay?: number;
  /** AdamW-style decay (default true). */
  decouple?: boolean;
  /** Adam's bias correction in the step size (default false). */
  useBiasCorrection?: boolean;
  /** Leave dγ out of the running sum s, which avoids a too-large d during warm-up (default false). */
  safeguardWarmup?: boolean;
  /** The initial estimate d₀ (default 1e-6). */
  d0?: number;
  /** Multiplies the estimate d̂ (default 1). */
  dCoef?: number;
  /** d grows by at most this factor per step (default Infinity: no limit; null, as JSON writes Infinity, means the same). */
  growthRate?: number | null;
}

/** d's running values a group holds beside its options (group entries, as the reference keeps them). */
interface ProdigyRunning {
  d: number;
  dMax: number;
  dNumerator: number;
  dDenom: number;
  dHat: number;
  k: number;
}

/**
 * Prodigy's options, declared once (Adam's checks in torch's order, then β₃ ∈ [0, 1), d₀ > 0, d_coef > 0,
 * growth_rate > 0), and the running values of d's estimate each group keeps (`d`, `d_max`, `d_numerator`,
 * `d_denom`, `d_hat`, `k`; `d` and `d_max` start at the optimizer's `d0`, as the reference's defaults).
 */
export const PRODIGY_OPTIONS: OptionsDecl<Required<ProdigyOptions>> = defineOptions<Required<ProdigyOptions>>(
  'Prodigy',
  {
    lr: float(1, nonNegative('Invalid learning rate')),
    betas: pair([0.9, 0.999], betasCheck),
    beta3: { default: null, kind: { type: 'float', nullable: true }, check: inRange('Invalid beta3 value', 0, 1, { hi: true }) as never },
    eps: float(1e-8, nonNegative('Invalid epsilon value')),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
    decouple: bool(true),
    useBiasCorrection: bool(false),
    safeguardWarmup: bool(false),
    d0: float(1e-6, positive('Invalid d0 value')),
    dCoef: float(1, positive('Invalid d_coef value')),
    // Nullable: JSON writes Infinity as null, so a state dict through JSON comes back with null (no limit).
    growthRate: {
      default: Number.POSITIVE_INFINITY,
      kind: { type: 'float', nullable: true },
      check: positive('Invalid growth_rate value') as (v: number | null) => string | undefined,
    },
  },
  {
    order: ['lr', 'eps', 'betas', 'weightDecay'],
    running: {
      d: { kind: { type: 'float' }, initial: (o: Readonly<Record<string, unknown>>) => o.d0, check: positive('Invalid d') },
      dMax: { kind: { type: 'float' }, initial: (o: Readonly<Record<string, unknown>>) => o.d0, check: positive('Invalid d_max') },
      dNumerator: { kind: { type: 'float' }, initial: 0 },
      dDenom: { kind: { type: 'float' }, initial: 0, check: nonNegative('Invalid d_denom') },
      dHat: { kind: { type: 'float' }, initial: 0 },
      k: { kind: { type: 'int' }, initial: 0, check: nonNegative('Invalid k') },
    },
  },
);

export const PRODIGY_DEFAULTS: Required<ProdigyOptions> = PRODIGY_OPTIONS.defaults;

/** ⟨g, θ₀ − θ⟩ with g the gradient (plus λθ when the decay is coupled). */
const prodigyDot = /*#__PURE__*/ kernelFamily((f: { decay: DecayKind }) =>
  defineReduction({
    name: 'prodigy_dot',
    inputs: ['param', 'grad', 'p0'],
    scalars: preambleScalars(f.decay),
    body: ({ param, grad, p0 }, s) => k.mul(preamble({ param, grad }, s, f).grad, k.sub(p0, param)),
    combine: 'sum',
  }),
);

/** Σ|s|. */
const absSum = /*#__PURE__*/ defineReduction({ name: 'abs_sum', inputs: ['x'], body: ({ x }) => k.abs(x), combine: 'sum' });

/** The moments and s: m ← β₁m + d(1−β₁)g;  v ← β₂v + d²(1−β₂)g²;  s ← β₃s + sAlpha·g. */
const prodigyMomentsKernel = /*#__PURE__*/ kernelFamily((f: { decay: DecayKind; momentum: boolean }) =>
  defineKernel({
    name: 'prodigy_moments',
    inputs: f.momentum ? ['param', 'grad', 's', 'expAvg', 'expAvgSq'] : ['param', 'grad', 's', 'expAvgSq'],
    scalars: ['beta1', 'beta2', 'beta3', 'gAlpha', 'g2Alpha', 'sAlpha', ...preambleScalars(f.decay)],
    outputs: f.momentum ? ['s', 'expAvg', 'expAvgSq'] : ['s', 'expAvgSq'],
    body: (t, s) => {
      const x = t as Record<string, k.Expr>;
      const { grad: g } = preamble({ param: x.param!, grad: x.grad! }, s, f);
      const out: Record<string, k.Expr> = {
        s: k.add(k.mul(x.s!, s.beta3), k.mul(g, s.sAlpha)),
        expAvgSq: k.add(k.mul(x.expAvgSq!, s.beta2), k.mul(sq(g), s.g2Alpha)),
      };
      if (f.momentum) out.expAvg = k.add(k.mul(x.expAvg!, s.beta1), k.mul(g, s.gAlpha));
      return out as never;
    },
  }),
);

/** The step: θ ← θ − λ·dγ·θ (decoupled);  θ ← θ − dγ·m/(√v + dε)  (or θ − dγ·d·g/(√v + dε) without momentum). */
const prodigyStepKernel = /*#__PURE__*/ kernelFamily((f: { coupled: boolean; decoupled: boolean; momentum: boolean }) =>
  defineKernel({
    name: 'prodigy_step',
    inputs: f.momentum ? ['param', 'grad', 'expAvg', 'expAvgSq'] : ['param', 'grad', 'expAvgSq'],
    scalars: ['stepScale', 'dEps', 'decayCoef', 'decayAfter'],
    outputs: ['param'],
    body: (t, s) => {
      const x = t as Record<string, k.Expr>;
      const g = f.coupled ? preamble({ param: x.param!, grad: x.grad! }, s, { decay: 'l2' }).grad : x.grad!;
      const param = f.decoupled ? decayAfter(x.param!, s.decayAfter) : x.param!;
      const denom = k.add(k.sqrt(x.expAvgSq!), s.dEps);
      return { param: descend(param, s.stepScale, k.div(f.momentum ? x.expAvg! : g, denom)) } as never;
    },
  }),
);

/** One group's step options, from the estimate over every group (see {@link Prodigy}'s stepImpl). */
interface ProdigyStepOptions {
  momentum: boolean;
  coupled: boolean;
  decoupled: boolean;
  stepScale: number;
  dEps: number;
  decayCoef: number;
  decayAfter: number;
}

/** The state tensors: `exp_avg` only with momentum. */
const prodigyUses = (o: ProdigyStepOptions): readonly ('s' | 'p0' | 'exp_avg' | 'exp_avg_sq')[] =>
  o.momentum ? ['s', 'p0', 'exp_avg', 'exp_avg_sq'] : ['s', 'p0', 'exp_avg_sq'];

/**
 * Prodigy, declared once: options with the groups' running values, state (`step`, `s`, `p0` (a copy of the
 * parameter at its first step), `exp_avg` when β₁ > 0, `exp_avg_sq`), and the step kernel. The step options need
 * sums over every group, so the class computes them in its stepImpl.
 */
const ProdigyAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'Prodigy',
  options: PRODIGY_OPTIONS,
  state: {
    step: 'kept',
    tensors: ['s', 'p0', 'exp_avg', 'exp_avg_sq'],
    optional: ['exp_avg'],
    initial: { p0: (p) => p.clone() },
    // The momentum switch is read from the first group, as in the step.
    requiredByGroups: (groups) => {
      const betas = groups[0]?.betas;
      return Array.isArray(betas) && typeof betas[0] === 'number' && betas[0] > 0 ? ['exp_avg'] : [];
    },
  },
  uses: prodigyUses,
  kernel: (o) => prodigyStepKernel({ coupled: o.coupled, decoupled: o.decoupled, momentum: o.momentum }),
  scalars: (o) => ({ stepScale: o.stepScale, dEps: o.dEps, decayCoef: o.decayCoef, decayAfter: o.decayAfter }),
});

/**
 * Prodigy (Mishchenko & Defazio, "Prodigy: An Expeditiously Adaptive Parameter-Free Learner",
 * https://arxiv.org/abs/2306.06101; konstmish/prodigy `prodigyopt/prodigy.py` 1.0): Adam whose step size is an
 * estimate d of the distance to the solution, learnt on the way, so the learning rate stays at 1:
 *
 *   dγ = d·γ (× √(1−β₂ᵗ)/(1−β₁ᵗ) with bias correction);  r ← β₃r + (d/d₀)·dγ·⟨g, θ₀ − θ⟩;
 *   m ← β₁m + d(1−β₁)g;  v ← β₂v + d²(1−β₂)g²;  s ← β₃s + (d/d₀)·dγ·g;
 *   d̂ = d_coef·r/‖s‖₁;  d ← min(max(d, d̂), d·growth);  θ ← θ − dγ·m/(√v + dε)
 *
 * d is shared by every group (groups may differ in lr only by setting it to 0, as the reference). The estimate
 * needs two numbers read back per parameter and step (a dot product and ‖s‖₁, computed on the backend), so it
 * runs on backends with synchronous reads. Group entries beyond the options, as the reference keeps them: `d`,
 * `d_max`, `d_numerator`, `d_denom`, `d_hat`, `k`. State per parameter: `step`, `s`, `p0` (the parameter at its
 * first step), `exp_avg` (when β₁ > 0), `exp_avg_sq`.
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid beta parameter at index i: …`,
 * `Invalid weight_decay value: …`.
 * @throws RuntimeError when groups have different non-zero learning rates.
 * @example
 * const opt = new Prodigy(model.parameters(), { weightDecay: 0.01 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Prodigy extends ProdigyAlgorithm {
  protected override stepImpl(closure: Closure | undefined): number | undefined {
    const loss = evaluateClosure(closure);
    const work = this.stepWork();
    const g0 = work[0]!.options;
    const last = work[work.length - 1]!.options;
    const [beta1, beta2] = g0.betas;
    const beta3 = g0.beta3 ?? Math.sqrt(beta2);
    const running = g0 as unknown as ProdigyRunning;
    const kk = running.k;
    let d = running.d;
    let dMax = running.dMax;
    const lr = Math.max(...work.map((w) => w.options.lr));
    for (const w of work) {
      if (w.options.lr !== lr && w.options.lr !== 0) {
        throw new RuntimeError('Setting different lr values in different parameter groups is only supported for values of 0');
      }
    }
    const bias = g0.useBiasCorrection ? Math.sqrt(1 - beta2 ** (kk + 1)) / (1 - beta1 ** (kk + 1)) : 1;
    const dlr = d * lr * bias;
    const momentum = beta1 > 0;
    let dNumerator = running.dNumerator * beta3;
    let dDenom = 0;
    const steps = work.map(({ options: o }): ProdigyStepOptions => {
      const coupled = o.weightDecay !== 0 && !o.decouple;
      return {
        momentum,
        coupled,
        decoupled: o.weightDecay !== 0 && o.decouple,
        stepScale: 0,
        dEps: 0,
        decayCoef: o.weightDecay,
        decayAfter: 0,
      };
    });
    work.forEach(({ options: o, params }, i) => {
      const decay: DecayKind = steps[i]!.coupled ? 'l2' : 'none';
      const decayScalars = resolveDecay(decay, 0, o.weightDecay).scalars;
      const use = prodigyUses(steps[i]!);
      for (const p of params) {
        const s = this.stateFor(p, o, use);
        if (o.lr > 0) {
          const backend = p.backend;
          const tensors = { param: p, grad: p.grad as Tensor };
          const out = zeros([], { backend });
          backend.reduce(prodigyDot({ decay }), { tensors: { ...tensors, p0: s.p0 as Tensor }, scalars: decayScalars, out });
          dNumerator += (d / o.d0) * dlr * out.item();
          const moments: Record<string, Tensor> = { ...tensors, s: s.s as Tensor, expAvgSq: s.exp_avg_sq as Tensor };
          if (momentum) moments.expAvg = s.exp_avg as Tensor;
          backend.run(prodigyMomentsKernel({ decay, momentum }), {
            tensors: moments,
            scalars: {
              beta1,
              beta2,
              beta3,
              gAlpha: d * (1 - beta1),
              g2Alpha: d * d * (1 - beta2),
              sAlpha: o.safeguardWarmup ? (d / o.d0) * d : (d / o.d0) * dlr,
              ...decayScalars,
            },
          });
          backend.reduce(absSum, { tensors: { x: s.s as Tensor }, out });
          dDenom += out.item();
          out.dispose();
        }
      }
    });
    if (dDenom === 0) return loss;
    let dHat = d;
    if (lr > 0) {
      dHat = (g0.dCoef * dNumerator) / dDenom;
      if (d === last.d0) d = Math.max(d, dHat);
      dMax = Math.max(dMax, dHat);
      d = Math.min(dMax, d * (g0.growthRate ?? Number.POSITIVE_INFINITY));
    }
    work.forEach(({ options: o, params }, i) => {
      const group = this.paramGroups[i] as unknown as ProdigyRunning;
      Object.assign(group, { dNumerator, dDenom, d, dMax, dHat, k: group.k + 1 });
      Object.assign(steps[i]!, { stepScale: momentum ? dlr : dlr * d, dEps: d * o.eps, decayAfter: o.weightDecay * dlr });
      this.runGroup(o, params, steps[i]!);
    });
    return loss;
  }
}
