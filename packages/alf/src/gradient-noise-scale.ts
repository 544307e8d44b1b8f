import { Parameter, type Rng, type Tensor, TypeError_, ValueError, createRng, dot, tensor } from '@tsoptim/core';
import type { Variable } from '@tsoptim/nn';
import { clipByGlobalNorm } from './clip.js';
import { sumSqR } from './internal/kernels.js';

/** Options of {@link GradientNoiseScaleEstimator}; defaults as ALF's. */
export interface GradientNoiseScaleOptions {
  /**
   * 'paper' (McCandlish et al., appendix A) or 'alternative' (the default: two equal halves, signal from
   * their dot product).
   */
  mode?: 'paper' | 'alternative';
  /** Share of the batch used as the small batch in 'paper' mode, in (0, 0.5) (default 0.1; 0.5 in 'alternative'). */
  batchSizeRatio?: number;
  /** Rate of the moving averages, in (0, 1] (default 0.001). */
  updateRate?: number;
  /** Clip each batch's gradients to this global norm before measuring (default: no clipping). */
  gradientNormClip?: number | null;
  /** Seed of the batch shuffle (default 0). */
  seed?: number;
}

/** ALF's `EMAverager` for a scalar: a ← a + r(x − a), mass ← mass + r(1 − mass), value a / max(mass, r). */
class ScalarAverager {
  private avg = 0;
  private mass = 0;
  constructor(private readonly rate: number) {}
  average(x: number): number {
    this.avg += this.rate * (x - this.avg);
    this.mass += this.rate * (1 - this.mass);
    return this.avg / Math.max(this.mass, this.rate);
  }
}

function sumSq(t: Tensor): number {
  const out = tensor(0, { backend: t.backend });
  t.backend.reduce(sumSqR, { tensors: { x: t }, out });
  const v = out.item();
  out.dispose();
  return v;
}

/**
 * The simple gradient noise scale B_simple = tr(Σ) / |G|² (McCandlish et al., "An Empirical Model of
 * Large-Batch Training", appendix A, https://arxiv.org/abs/1812.06162), estimated online as ALF's
 * `GradientNoiseScaleEstimator`.
 *
 * Each call shuffles the batch (the last dimension of the per-sample losses, with core's seeded generator:
 * Fisher–Yates, j = rng.int(i + 1) for i = B−1 … 1), takes b = max(1, ⌊B·ratio⌋) samples as the small batch
 * and the other B_big = B − b as the big batch, and computes the gradient of each batch's mean loss with
 * respect to `params` (by `backward` with a weighting gradient, through @tsoptim/nn's autograd; the
 * parameters' own `.grad` are left as they were). With `gradientNormClip`, each batch's gradients are clipped
 * to that global norm. With |g_b|², |g_B|² the squared global norms:
 *
 * - 'paper':  |G|² ≈ (B_big|g_B|² − b|g_b|²)/(B_big − b),  tr Σ ≈ (|g_b|² − |g_B|²)/(1/b − 1/B_big);
 * - 'alternative' (b = B_big = B/2):  |G|² ≈ ⟨g_B, g_b⟩,  tr Σ/B_big + |G|² ≈ (|g_B|² + |g_b|²)/2.
 *
 * Both are averaged with bias-corrected moving averages (rate r: a ← a + r(x − a), mass ← mass + r(1 − mass),
 * value a / max(mass, r)); S = avg(tr Σ)/(avg(|G|²) + 1e-8), and in 'alternative' mode S ← (S − 1)·B_big.
 * A negative S is replaced by the last non-negative estimate (0 before the first).
 *
 * @example
 * import { parameter, tensor } from '@tsoptim/core';
 * import { mul, sub, sum } from '@tsoptim/nn';
 * import { GradientNoiseScaleEstimator } from '@tsoptim/alf';
 * const w = parameter([0.5]);
 * const x = tensor([1, 2, 3, 4, 5, 6, 7, 8]);
 * const losses = mul(sub(mul(x, w), x), sub(mul(x, w), x)); // [8] per-sample losses
 * const gns = new GradientNoiseScaleEstimator({ updateRate: 0.1 });
 * const s = gns.estimate(losses, [w]);
 */
export class GradientNoiseScaleEstimator {
  /** The last non-negative estimate (0 before the first). */
  lastValidGns = 0;
  private readonly mode: 'paper' | 'alternative';
  private readonly ratio: number;
  private readonly clip: number | null;
  private readonly normAverager: ScalarAverager;
  private readonly traceAverager: ScalarAverager;
  private readonly rng: Rng;

  /**
   * @throws ValueError for an unknown mode, a 'paper' batchSizeRatio outside (0, 0.5), an updateRate outside
   * (0, 1], or a gradientNormClip that is not positive.
   */
  constructor(options: GradientNoiseScaleOptions = {}) {
    const mode = options.mode ?? 'alternative';
    if (mode !== 'paper' && mode !== 'alternative') throw new ValueError(`mode must be 'paper' or 'alternative', got '${mode}'`);
    let ratio = options.batchSizeRatio ?? 0.1;
    if (mode === 'paper') {
      if (!(ratio > 0 && ratio < 0.5)) throw new ValueError(`batchSizeRatio must be in (0, 0.5), got ${ratio}`);
    } else {
      ratio = 0.5;
    }
    const rate = options.updateRate ?? 0.001;
    if (!(rate > 0 && rate <= 1)) throw new ValueError(`updateRate must be in (0, 1], got ${rate}`);
    const clip = options.gradientNormClip ?? null;
    if (clip !== null && !(clip > 0)) throw new ValueError(`gradientNormClip must be positive, got ${clip}`);
    this.mode = mode;
    this.ratio = ratio;
    this.clip = clip;
    this.normAverager = new ScalarAverager(rate);
    this.traceAverager = new ScalarAverager(rate);
    this.rng = createRng(options.seed ?? 0);
  }

  /** Gradients of Σ weights·loss with respect to `params` (zero tensors where the loss does not reach). */
  private gradients(loss: Variable, params: readonly Parameter[], weights: Tensor): Tensor[] {
    const saved = params.map((p) => p.grad);
    for (const p of params) p.grad = null;
    try {
      loss.backward({ gradient: weights, retainGraph: true });
      return params.map((p) => (p.grad !== null && !('indices' in p.grad) ? p.grad : p.zerosLike()));
    } finally {
      params.forEach((p, i) => {
        p.grad = saved[i]!;
      });
    }
  }

  /**
   * Updates the estimate with one batch of per-sample losses.
   *
   * @param loss per-sample losses, [B] or [T, B] (not yet averaged), recorded by @tsoptim/nn.
   * @param params the parameters whose gradients count.
   * @returns the current gradient noise scale estimate.
   * @throws ValueError when the loss is not rank 1 or 2, when 'alternative' mode gets an odd batch
   * (`Check if the batch size is even!`), or when the batch is too small to split.
   * @throws TypeError_ when `params` holds something that is not a Parameter.
   */
  estimate(loss: Variable, params: Iterable<Parameter>): number {
    if (loss.ndim !== 1 && loss.ndim !== 2) throw new ValueError('loss must be a rank-1 or -2 tensor!');
    const list = [...params];
    for (const p of list) if (!Parameter.isParameter(p)) throw new TypeError_('GradientNoiseScaleEstimator: params must be Parameters');
    const B = loss.shape[loss.ndim - 1]!;
    const T = loss.ndim === 2 ? loss.shape[0]! : 1;
    const b = Math.max(1, Math.floor(B * this.ratio));
    const big = B - b;
    if (this.mode === 'alternative' && big !== b) throw new ValueError('Check if the batch size is even!');
    if (this.mode === 'paper' && !(big > b))
      throw new ValueError(`a batch of ${B} is too small to split with batchSizeRatio ${this.ratio}`);
    const perm = Array.from({ length: B }, (_, i) => i);
    for (let i = B - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    const weightsFor = (cols: number[]): Tensor => {
      const w = new Float32Array(T * B);
      for (let t = 0; t < T; t++) for (const c of cols) w[t * B + c] = 1 / (T * cols.length);
      return tensor(w, { backend: loss.value.backend, shape: loss.shape });
    };
    const wBig = weightsFor(perm.slice(b));
    const wSmall = weightsFor(perm.slice(0, b));
    const gBig = this.gradients(loss, list, wBig);
    const gSmall = this.gradients(loss, list, wSmall);
    wBig.dispose();
    wSmall.dispose();
    if (this.clip !== null) {
      clipByGlobalNorm(gBig, this.clip)?.dispose();
      clipByGlobalNorm(gSmall, this.clip)?.dispose();
    }
    const bigNorm2 = gBig.reduce((a, g) => a + sumSq(g), 0);
    const smallNorm2 = gSmall.reduce((a, g) => a + sumSq(g), 0);
    let gradNorm: number;
    let varTrace: number;
    if (this.mode === 'paper') {
      gradNorm = (big * bigNorm2 - b * smallNorm2) / (big - b);
      varTrace = (smallNorm2 - bigNorm2) / (1 / b - 1 / big);
    } else {
      varTrace = (bigNorm2 + smallNorm2) / 2;
      gradNorm = gBig.reduce((a, g, i) => {
        const d = dot(g, gSmall[i]!);
        const v = d.item();
        d.dispose();
        return a + v;
      }, 0);
    }
    for (const g of [...gBig, ...gSmall]) g.dispose();
    const avgNorm = this.normAverager.average(gradNorm);
    const avgTrace = this.traceAverager.average(varTrace);
    let s = avgTrace / (avgNorm + 1e-8);
    if (this.mode === 'alternative') s = (s - 1) * big;
    if (s < 0) return this.lastValidGns;
    this.lastValidGns = s;
    return s;
  }
}
