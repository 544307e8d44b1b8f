import { type Tensor, ValueError, defineKernel, enableSimdGemm, k, kernelFamily, normReduction, zeros } from '@tsoptim/core';
import { type DecayKind, preamble, preambleScalars, resolveDecay } from './kernels/decay.js';
import { descend, lerp, lerpAverage } from './kernels/moments.js';
import { defineAlgorithm, functionalForm } from './algorithm.js';
import type { Optimizer, ParamGroupInput, ParamsInput, Scheduled } from './optimizer.js';
import { type OptionsDecl, bool, defineOptions, float, inRange, int, nonNegative } from './options.js';

/** Options of {@link Muon}; defaults as the authors' reference code (KellerJordan/Muon `muon.py`). */
export interface MuonOptions {
  /** Learning rate (default 0.02). */
  lr?: number;
  /** β of the momentum buffer m ← βm + (1−β)g (default 0.95). */
  momentum?: number;
  /** Orthogonalise the Nesterov look-ahead βm + (1−β)g instead of m (default true). */
  nesterov?: boolean;
  /** Decoupled weight decay λ: θ ← θ·(1 − γλ) (default 0). */
  weightDecay?: number;
  /** Newton–Schulz iterations (default 5). */
  nsSteps?: number;
  /** Added to the Frobenius norm the update is divided by before the iteration (default 1e-7). */
  eps?: number;
}

/** Muon's options, declared once: defaults, kinds, range checks and their messages. */
export const MUON_OPTIONS: OptionsDecl<Required<MuonOptions>> = /*#__PURE__*/ defineOptions<Required<MuonOptions>>('Muon', {
  lr: float(0.02, nonNegative('Invalid learning rate')),
  momentum: float(0.95, inRange('Invalid momentum value', 0, 1, { hi: true })),
  nesterov: bool(true),
  weightDecay: float(0, nonNegative('Invalid weight_decay value')),
  nsSteps: int(5, (v) => (v >= 1 ? undefined : `Invalid ns_steps value: ${v}`)),
  eps: float(1e-7, nonNegative('Invalid epsilon value')),
});

export const MUON_DEFAULTS: Required<MuonOptions> = MUON_OPTIONS.defaults;

/** The quintic Newton–Schulz coefficients (a, b, c) of the reference code: X ← aX + (b·A + c·A²)X, A = XXᵀ. */
export const MUON_NS_COEFFICIENTS: readonly [number, number, number] = [3.4445, -4.775, 2.0315];

/**
 * First pass per parameter: m ← m + (1−β)(g − m), and the matrix to orthogonalise, u = g + β(m − g) (Nesterov)
 * or m, written to a scratch tensor (the reference code's `lerp_` forms). Reads g, m; writes m, u.
 */
export const muonMomentumKernel = /*#__PURE__*/ kernelFamily((f: { nesterov: boolean }) =>
  defineKernel({
    name: 'muon_momentum',
    inputs: ['grad', 'momentumBuffer'],
    scalars: ['momentum'],
    outputs: ['momentumBuffer', 'update'],
    body: ({ grad, momentumBuffer }, s) => {
      const m = lerpAverage(momentumBuffer, grad, s.momentum);
      return { momentumBuffer: m, update: f.nesterov ? lerp(grad, m, s.momentum) : m };
    },
  }),
);

/** X ← X / (‖X‖_F + ε), the norm a size-1 tensor from a reduction (never read back). */
export const muonNormalizeKernel = /*#__PURE__*/ defineKernel({
  name: 'muon_normalize',
  inputs: ['x', 'norm'],
  scalars: ['eps'],
  outputs: ['x'],
  body: ({ x, norm }, s) => ({ x: k.div(x, k.add(norm, s.eps)) }),
});

/** B = b·A + c·A², written over A² (the polynomial of one Newton–Schulz iteration). */
export const muonPolynomialKernel = /*#__PURE__*/ defineKernel({
  name: 'muon_polynomial',
  inputs: ['gram', 'gramSq'],
  scalars: ['b', 'c'],
  outputs: ['gramSq'],
  body: ({ gram, gramSq }, s) => ({ gramSq: k.add(k.mul(s.b, gram), k.mul(s.c, gramSq)) }),
});

/** X ← a·X + BX. */
export const muonCombineKernel = /*#__PURE__*/ defineKernel({
  name: 'muon_combine',
  inputs: ['x', 'product'],
  scalars: ['a'],
  outputs: ['x'],
  body: ({ x, product }, s) => ({ x: k.add(k.mul(s.a, x), product) }),
});

/** Last pass: θ ← θ·(1 − γλ) − γ·scale·O. Reads θ, O; writes θ. */
export const muonApplyKernel = /*#__PURE__*/ kernelFamily((f: { decay: DecayKind }) =>
  defineKernel({
    name: 'muon_apply',
    inputs: ['param', 'update'],
    scalars: ['stepSize', ...preambleScalars(f.decay)],
    outputs: ['param'],
    body: ({ param, update }, s) => {
      const d = preamble({ param, grad: update }, s, f);
      return { param: descend(d.param, s.stepSize, d.grad) };
    },
  }),
);

/** Hyper-parameters of the functional {@link muon}. */
export interface MuonStepOptions {
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  nsSteps: number;
  eps: number;
}

/**
 * The matrix a parameter is orthogonalised as: `[shape[0], size / shape[0]]` (a 4-D convolution filter
 * `[out, in, kh, kw]` becomes `[out, in·kh·kw]`, as in the reference code), and the lr scale of the reference
 * code, max(1, shape[−2]/shape[−1])^½ over the parameter's own last two dimensions.
 *
 * @throws ValueError for a parameter of fewer than 2 dimensions.
 */
export function muonMatrix(shape: readonly number[]): { rows: number; cols: number; scale: number } {
  if (shape.length < 2) throw new ValueError(muonShapeMessage(shape));
  const rows = shape[0]!;
  const cols = shape.slice(1).reduce((x, y) => x * y, 1);
  return { rows, cols, scale: Math.sqrt(Math.max(1, shape[shape.length - 2]! / shape[shape.length - 1]!)) };
}

function muonShapeMessage(shape: readonly number[], where = 'a parameter'): string {
  return (
    `Muon orthogonalises matrices and takes parameters of 2 or more dimensions, but ${where} has shape [${shape.join(', ')}]; ` +
    'optimize 0-D and 1-D parameters (biases, gains) with AdamW in a second optimizer, as the reference code does'
  );
}

/**
 * Orthogonalises `x` (a `[rows, cols]` tensor, normalised to ‖x‖_F ≤ 1) in place by the quintic Newton–Schulz
 * iteration, on the backend: per step three products (`backend.matmul`, transposes read in place) and two
 * elementwise passes. When rows > cols it iterates on Xᵀ without forming it: with Y = Xᵀ stored as `x`,
 * A = YᵀY and Y ← aY + Y·Bᵀ.
 */
export function newtonSchulz5(x: Tensor, rows: number, cols: number, steps: number): void {
  // The CPU backend's SIMD GEMM, as nn uses it (other backends are returned as they are).
  const backend = enableSimdGemm(x.backend);
  const tall = rows > cols;
  const side = tall ? cols : rows;
  const [a, b, c] = MUON_NS_COEFFICIENTS;
  const gram = zeros([side, side], { backend });
  const gramSq = zeros([side, side], { backend });
  const product = zeros([rows, cols], { backend });
  for (let i = 0; i < steps; i++) {
    backend.matmul(tall ? { a: x, b: x, transA: true, out: gram } : { a: x, b: x, transB: true, out: gram });
    backend.matmul({ a: gram, b: gram, out: gramSq });
    backend.run(muonPolynomialKernel, { tensors: { gram, gramSq }, scalars: { b, c } });
    backend.matmul(tall ? { a: x, b: gramSq, transB: true, out: product } : { a: gramSq, b: x, out: product });
    backend.run(muonCombineKernel, { tensors: { x, product }, scalars: { a } });
  }
  gram.dispose();
  gramSq.dispose();
  product.dispose();
}

/**
 * Muon, declared once: options, state (`momentum_buffer`; no step count, as the reference code), and the update of
 * one parameter: one pass for the momentum and the Nesterov look-ahead, a norm reduction and a pass dividing by
 * it, `nsSteps` Newton–Schulz iterations ({@link newtonSchulz5}), one pass for θ ← θ(1 − γλ) − γ·scale·O.
 * Everything runs on the parameter's backend; nothing is read back.
 */
const MuonAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'Muon',
  options: MUON_OPTIONS,
  state: { step: false, tensors: ['momentum_buffer'] },
  stepOptions: (g): MuonStepOptions => ({
    lr: g.lr,
    momentum: g.momentum,
    nesterov: g.nesterov,
    weightDecay: g.weightDecay,
    nsSteps: g.nsSteps,
    eps: g.eps,
  }),
  update: (param, grad, { momentumBuffer }, _t, o) => {
    const backend = param.backend;
    const { rows, cols, scale } = muonMatrix(param.shape);
    const decay: DecayKind = o.weightDecay === 0 ? 'none' : 'decoupled';
    const update = zeros([rows, cols], { backend });
    const norm = zeros([], { backend });
    backend.run(muonMomentumKernel({ nesterov: o.nesterov }), {
      tensors: { grad, momentumBuffer: momentumBuffer!, update },
      scalars: { momentum: o.momentum },
    });
    backend.reduce(normReduction, { tensors: { x: update }, out: norm });
    backend.run(muonNormalizeKernel, { tensors: { x: update, norm }, scalars: { eps: o.eps } });
    newtonSchulz5(update, rows, cols, o.nsSteps);
    backend.run(muonApplyKernel({ decay }), {
      tensors: { param, update },
      scalars: { stepSize: o.lr * scale, ...resolveDecay(decay, o.lr, o.weightDecay).scalars },
    });
    update.dispose();
    norm.dispose();
  },
});

const muonForm = /*#__PURE__*/ functionalForm(MuonAlgorithm);

/**
 * The Muon update on raw tensors, per parameter: one pass for the momentum and the Nesterov look-ahead, a norm
 * reduction and a pass dividing by it, `nsSteps` Newton–Schulz iterations ({@link newtonSchulz5}), one pass for
 * θ ← θ(1 − γλ) − γ·scale·O. Everything runs on the parameter's backend; nothing is read back.
 *
 * @throws ValueError for a parameter of fewer than 2 dimensions (before any update).
 */
export function muon(params: readonly Tensor[], grads: readonly Tensor[], momentumBuffers: readonly Tensor[], o: MuonStepOptions): void {
  for (const p of params) muonMatrix(p.shape);
  muonForm(params, grads, momentumBuffers, o);
}

/**
 * Muon, MomentUm Orthogonalized by Newton–Schulz (Jordan et al. 2024, "Muon: An optimizer for hidden layers in
 * neural networks", https://kellerjordan.github.io/posts/muon/; KellerJordan/Muon `muon.py`): SGD momentum whose
 * update matrix is replaced by its nearest semi-orthogonal matrix, approximated by a quintic Newton–Schulz
 * iteration:
 *
 *   m ← βm + (1−β)g;  u = βm + (1−β)g (Nesterov) or m;  X₀ = u / (‖u‖_F + ε);
 *   Xₖ₊₁ = aXₖ + (b·A + c·A²)Xₖ with A = XₖXₖᵀ (a, b, c = 3.4445, −4.775, 2.0315; on uᵀ when rows > cols);
 *   θ ← θ(1 − γλ) − γ·max(1, rows/cols)^½·X_nsSteps
 *
 * For matrices (hidden layers) only: a parameter of more than 2 dimensions is orthogonalised as
 * `[shape[0], rest]` (the reference code's rule for 4-D convolution filters, whose lr scale it takes from the
 * last two dimensions; the reference code orthogonalises each trailing matrix of a 3-D parameter instead).
 * Embeddings, the output layer, biases and gains belong to AdamW, as the authors advise. The products run on
 * the backend in float32 (the reference code uses bfloat16). A parameter without gradient is skipped, as in
 * torch.optim.Muon; the gradient is not modified (the reference code's Nesterov `lerp_` overwrites it).
 *
 * State per parameter: `momentum_buffer` (no step count, as the reference code).
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid momentum value: …`, `Invalid weight_decay value: …`,
 * `Invalid ns_steps value: …`, `Invalid epsilon value: …`; and, at construction or `addParamGroup`, for a
 * parameter of fewer than 2 dimensions.
 * @example
 * const hidden = model.parameters().filter((p) => p.shape.length >= 2);
 * const others = model.parameters().filter((p) => p.shape.length < 2);
 * const muon = new Muon(hidden, { lr: 0.02, weightDecay: 0.01 });
 * const adamw = new AdamW(others, { lr: 3e-4 });
 */
export class Muon extends MuonAlgorithm {
  constructor(params: ParamsInput<MuonOptions>, options: Scheduled<MuonOptions> = {}) {
    super(params, options);
    this.paramGroups.forEach((_, i) => this.checkShapes(i));
  }

  /** As {@link Optimizer.addParamGroup}; a group holding a parameter of fewer than 2 dimensions is not added. */
  override addParamGroup(group: ParamGroupInput<Partial<Required<MuonOptions>>>): void {
    super.addParamGroup(group);
    try {
      this.checkShapes(this.paramGroups.length - 1);
    } catch (e) {
      this.paramGroups.pop();
      throw e;
    }
  }

  private checkShapes(groupIndex: number): void {
    this.paramGroups[groupIndex]!.params.forEach((p, j) => {
      if (p.shape.length < 2) throw new ValueError(muonShapeMessage(p.shape, `parameter ${j} of group ${groupIndex}`));
    });
  }
}
