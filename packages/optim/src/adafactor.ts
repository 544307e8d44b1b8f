import { type Tensor, defineKernel, defineReduction, k, kernelFamily, meanSquaresReduction, meanReduction, zeros } from '@tsoptim/core';
import { preamble } from './kernels/decay.js';
import { lerpKernel } from './kernels/lerp.js';
import { descend, lerp, sq } from './kernels/moments.js';
import { defineAlgorithm } from './algorithm.js';
import type { BaseOptions } from './optimizer.js';
import { type OptionsDecl, bool, defineOptions, float, pyFloat } from './options.js';

/** Options of {@link Adafactor}; defaults as torch.optim.Adafactor. */
export interface AdafactorOptions extends Pick<BaseOptions, 'foreach'> {
  /**
   * Learning rate (default 1e-2): the maximum of the relative step size ρₜ = min(lr, 1/√t), and the
   * coefficient of the decoupled weight decay.
   */
  lr?: number;
  /** Exponent τ of the second-moment decay: 1 − β̂₂ₜ = t^τ (default −0.8; must be ≤ 0). */
  beta2Decay?: number;
  /**
   * [ε₁, ε₂] (default [null, 1e-3]): ε₁ bounds the variance estimate and the row-factor mean from below
   * (null: the float32 machine epsilon, 2⁻²³); ε₂ bounds the parameter scale RMS(θ) from below.
   */
  eps?: readonly [number | null, number];
  /** Update clipping threshold: the update is scaled down where RMS(U) > d (default 1.0; must be ≥ 1). */
  d?: number;
  /** Decoupled weight decay coefficient λ: θ ← θ(1 − γλ) (default 0). */
  weightDecay?: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
}

/** torch.optim.Adafactor's defaults. */
export const ADAFACTOR_OPTIONS: OptionsDecl<Required<AdafactorOptions>> = defineOptions<Required<AdafactorOptions>>('Adafactor', {
  lr: float(1e-2, (v) => (0 <= v ? undefined : `Learning rate should be >= 0 but is: ${pyFloat(v)}`)),
  beta2Decay: float(-0.8, (v) => (0 >= v ? undefined : `beta2_decay should be <= 0 but is: ${pyFloat(v)}`)),
  eps: {
    default: [null, 1e-3],
    kind: { type: 'tuple', length: 2, nullableEntries: true },
    check: ([e1, e2]) =>
      typeof e1 === 'number' && !(0 <= e1)
        ? `epsilon1 should be >= 0 but is: ${pyFloat(e1)}`
        : typeof e2 === 'number' && !(0 <= e2)
          ? `epsilon2 should be >= 0 but is: ${pyFloat(e2)}`
          : undefined,
  },
  d: float(1.0, (v) => (1 <= v ? undefined : `Clipping threshold d should be >= 1 but is: ${pyFloat(v)}`)),
  weightDecay: float(0.0, (v) => (0 <= v ? undefined : `weight_decay should be >= 0 but is: ${pyFloat(v)}`)),
  foreach: { default: null, kind: { type: 'boolean', nullable: true } },
  maximize: bool(false),
});

export const ADAFACTOR_DEFAULTS: Required<AdafactorOptions> = ADAFACTOR_OPTIONS.defaults;

/** torch.finfo(torch.float32).eps: ε₁ when it is null (tsoptim tensors are float32). */
export const FLOAT32_EPS = 2 ** -23;

/** RMS(x) = √(Σx²/n) into a one-element tensor. */
const rmsReduction = /*#__PURE__*/ defineReduction({
  name: 'adafactor_rms',
  inputs: ['x'],
  body: ({ x }) => k.mul(x, x),
  combine: 'sum',
  finalize: (acc, count) => k.sqrt(k.div(acc, count)),
});

/** RMS of the update of a vector: U = g / √max(v', ε₁²) with v' = v + w(g² − v), without writing v'. */
const vectorUpdateRms = /*#__PURE__*/ defineReduction({
  name: 'adafactor_vec_rms',
  inputs: ['grad', 'variance'],
  scalars: ['w', 'eps1Sq', 'sign'],
  body: ({ grad, variance }, s) => {
    const g = k.mul(s.sign, grad);
    const g2 = k.mul(g, g);
    return k.div(g2, k.max(lerp(variance, g2, s.w), s.eps1Sq));
  },
  combine: 'sum',
  finalize: (acc, count) => k.sqrt(k.div(acc, count)),
});

/** The step of a parameter: α / max(1, RMS(U)/d) with α = max(ε₂, RMS(θ))·ρ, from one-element tensors. */
function stepCoefficient(rmsParam: k.Expr, rmsUpdate: k.Expr, s: Record<'eps2' | 'rho' | 'd', k.Expr>): k.Expr {
  return k.div(k.mul(k.max(s.eps2, rmsParam), s.rho), k.max(1, k.div(rmsUpdate, s.d)));
}

/** Vectors (and 0-d tensors): one pass updates the variance and the parameter. */
const vectorKernel = /*#__PURE__*/ kernelFamily((f: { decay: boolean }) =>
  defineKernel({
    name: 'adafactor_vec',
    inputs: ['param', 'grad', 'variance', 'rmsParam', 'rmsUpdate'],
    scalars: ['w', 'eps1Sq', 'sign', 'eps2', 'rho', 'd', 'decayFactor'],
    outputs: ['param', 'variance'],
    body: (t, s) => {
      const g = k.mul(s.sign, t.grad);
      const v = lerp(t.variance, sq(g), s.w);
      const u = k.div(g, k.sqrt(k.max(v, s.eps1Sq)));
      const { param } = preamble({ param: t.param, grad: g }, s, { decay: f.decay ? 'decoupled' : 'none' });
      return { param: descend(param, stepCoefficient(t.rmsParam, t.rmsUpdate, s), u), variance: v };
    },
  }),
);

/**
 * Tensors of 2 or more dimensions: the update U = g / √max(R·C / max(mean(R), ε₁), ε₁²) from the row factor
 * R [.., m, 1], the column factor C [.., 1, n] and the row-factor mean [.., 1, 1] (broadcast inputs).
 */
const factoredUpdateKernel = /*#__PURE__*/ defineKernel({
  name: 'adafactor_factored_update',
  inputs: ['grad', 'rowVar', 'colVar', 'rowMean'],
  scalars: ['eps1', 'eps1Sq', 'sign'],
  outputs: ['update'],
  body: ({ grad, rowVar, colVar, rowMean }, s) => {
    const v = k.div(k.mul(rowVar, colVar), k.max(rowMean, s.eps1));
    return { update: k.div(k.mul(s.sign, grad), k.sqrt(k.max(v, s.eps1Sq))) };
  },
});

/** `θ ← θ(1 − γλ) − coefficient·U`. */
const factoredApplyKernel = /*#__PURE__*/ kernelFamily((f: { decay: boolean }) =>
  defineKernel({
    name: 'adafactor_apply',
    inputs: ['param', 'update', 'rmsParam', 'rmsUpdate'],
    scalars: ['eps2', 'rho', 'd', 'decayFactor'],
    outputs: ['param'],
    body: (t, s) => {
      const { param } = preamble({ param: t.param, grad: t.update }, s, { decay: f.decay ? 'decoupled' : 'none' });
      return { param: descend(param, stepCoefficient(t.rmsParam, t.rmsUpdate, s), t.update) };
    },
  }),
);

/** Hyper-parameters of the functional {@link adafactor}. */
export interface AdafactorStepOptions {
  lr: number;
  beta2Decay: number;
  eps1: number | null;
  eps2: number;
  d: number;
  weightDecay: number;
  maximize: boolean;
}

/** Per-parameter state tensors of {@link adafactor}: `rowVar`/`colVar` for 2+ dimensions, `variance` otherwise. */
export interface AdafactorSlots {
  rowVar?: Tensor;
  colVar?: Tensor;
  variance?: Tensor;
}

/** The update of one parameter with step t (already incremented); see {@link adafactor}. */
function adafactorUpdate(param: Tensor, grad: Tensor, slot: AdafactorSlots, t: number, o: AdafactorStepOptions): void {
  const eps1 = o.eps1 ?? FLOAT32_EPS;
  const sign = o.maximize ? -1 : 1;
  const decay = o.weightDecay !== 0;
  const backend = param.backend;
  const w = t ** o.beta2Decay;
  const common = { eps2: o.eps2, rho: Math.min(o.lr, 1 / t ** 0.5), d: o.d, decayFactor: 1 - o.lr * o.weightDecay };
  const rmsParam = zeros([], { backend });
  const rmsUpdate = zeros([], { backend });
  backend.reduce(rmsReduction, { tensors: { x: param }, out: rmsParam });
  if (grad.ndim > 1) {
    const rowVar = slot.rowVar!;
    const colVar = slot.colVar!;
    const rowSq = zeros(rowVar.shape, { backend });
    const colSq = zeros(colVar.shape, { backend });
    const rowMean = zeros([...rowVar.shape.slice(0, -2), 1, 1], { backend });
    const update = zeros(param.shape, { backend });
    backend.reduce(meanSquaresReduction, { tensors: { x: grad }, out: rowSq, axes: [-1] });
    backend.reduce(meanSquaresReduction, { tensors: { x: grad }, out: colSq, axes: [-2] });
    backend.run(lerpKernel, { tensors: { x: rowVar, y: rowSq }, scalars: { w } });
    backend.run(lerpKernel, { tensors: { x: colVar, y: colSq }, scalars: { w } });
    backend.reduce(meanReduction, { tensors: { x: rowVar }, out: rowMean, axes: [-2] });
    backend.run(factoredUpdateKernel, {
      tensors: { grad, rowVar, colVar, rowMean, update },
      scalars: { eps1, eps1Sq: eps1 * eps1, sign },
    });
    backend.reduce(rmsReduction, { tensors: { x: update }, out: rmsUpdate });
    backend.run(factoredApplyKernel({ decay }), { tensors: { param, update, rmsParam, rmsUpdate }, scalars: common });
    for (const x of [rowSq, colSq, rowMean, update]) x.dispose();
  } else {
    const variance = slot.variance!;
    const vs = { w, eps1Sq: eps1 * eps1, sign };
    backend.reduce(vectorUpdateRms, { tensors: { grad, variance }, out: rmsUpdate, scalars: vs });
    backend.run(vectorKernel({ decay }), {
      tensors: { param, grad, variance, rmsParam, rmsUpdate },
      scalars: { ...vs, ...common },
    });
  }
  rmsParam.dispose();
  rmsUpdate.dispose();
}

/** The factored second moment's row and column shapes ([.., m, 1], [.., 1, n]) for tensors of 2 or more dimensions. */
const factored = (shape: readonly number[]): boolean => shape.length > 1;

/**
 * Adafactor, declared once: options, state (`step`, then `row_var` [.., m, 1] and `col_var` [.., 1, n] for tensors
 * of 2 or more dimensions, `variance` of the parameter's shape otherwise), and the update of one parameter.
 */
const AdafactorAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'Adafactor',
  options: ADAFACTOR_OPTIONS,
  state: {
    step: true,
    tensors: ['row_var', 'col_var', 'variance'],
    shapes: {
      row_var: (s) => (factored(s) ? [...s.slice(0, -1), 1] : null),
      col_var: (s) => (factored(s) ? [...s.slice(0, -2), 1, s[s.length - 1]!] : null),
      variance: (s) => (factored(s) ? null : s),
    },
  },
  stepOptions: (g): AdafactorStepOptions => ({
    lr: g.lr,
    beta2Decay: g.beta2Decay,
    eps1: g.eps[0],
    eps2: g.eps[1],
    d: g.d,
    weightDecay: g.weightDecay,
    maximize: g.maximize,
  }),
  update: adafactorUpdate,
});

/**
 * The Adafactor update on raw tensors (torch.optim's functional `adafactor`). For each parameter, with t its
 * step (already incremented), G = ±∇:
 *
 *   1 − β̂₂ₜ = t^τ;  ρₜ = min(γ, 1/√t);  αₜ = max(ε₂, RMS(θ))·ρₜ;  θ ← θ(1 − γλ)
 *   2+ dims: R ← R + t^τ(mean_last(G²) − R);  C ← C + t^τ(mean_second_last(G²) − C);  V̂ = R·C / max(mean(R), ε₁)
 *   otherwise: V̂ ← V̂ + t^τ(G² − V̂)
 *   U = G / √max(V̂, ε₁²);  θ ← θ − αₜ / max(1, RMS(U)/d) · U
 *
 * Row and column means and the two RMS values are backend reductions; the parameter moves in one pass per
 * tensor (vectors: one pass for variance and parameter; factored tensors: one pass writing U into a scratch
 * tensor, whose RMS is needed before the parameter moves, then one pass for the parameter). Nothing is read
 * back to the host, so asynchronous backends run it as queued work.
 *
 * @param params parameters (updated in place).
 * @param grads dense gradients, one per parameter.
 * @param slots each parameter's factors (2+ dimensions) or variance, updated in place.
 * @param steps the step number t (≥ 1) of each parameter's update, already incremented.
 * @example
 * adafactor([w], [g], [{ rowVar, colVar }], [1], { lr: 1e-2, beta2Decay: -0.8, eps1: null, eps2: 1e-3, d: 1, weightDecay: 0, maximize: false });
 */
export function adafactor(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  slots: readonly AdafactorSlots[],
  steps: readonly number[],
  o: AdafactorStepOptions,
): void {
  params.forEach((p, i) => adafactorUpdate(p, grads[i]!, slots[i]!, steps[i]!, o));
}

/**
 * Adafactor (Shazeer & Stern, "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost",
 * https://arxiv.org/abs/1804.04235), as current PyTorch's torch.optim.Adafactor: a second-moment estimate that
 * is factored into row and column statistics for tensors of 2 or more dimensions (memory O(m + n) instead of
 * O(mn) for an m×n matrix, over the last two dimensions), a relative step size, update clipping and decoupled
 * weight decay. See {@link adafactor} for the update rule.
 *
 * As in torch: `lr` caps the relative step size ρₜ = min(lr, 1/√t) and scales the weight decay; ε₁ bounds the
 * variance estimate (not the factors), and the factors hold means of squared gradients rather than sums.
 *
 * State per parameter: `step`, and `row_var` (shape [.., m, 1]) and `col_var` ([.., 1, n]) for tensors of 2 or
 * more dimensions, `variance` (the parameter's shape) otherwise.
 *
 * @throws ValueError with torch's messages: `Learning rate should be >= 0 but is: …`,
 * `beta2_decay should be <= 0 but is: …`, `epsilon1 should be >= 0 but is: …`, `epsilon2 should be >= 0 but is: …`,
 * `Clipping threshold d should be >= 1 but is: …`, `weight_decay should be >= 0 but is: …`.
 * @example
 * const opt = new Adafactor(model.parameters(), { lr: 1e-2 });
 * for (const batch of data) { opt.zeroGrad(); loss(batch).backward(); opt.step(); }
 */
export class Adafactor extends AdafactorAlgorithm {}
