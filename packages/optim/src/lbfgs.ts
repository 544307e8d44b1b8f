import {
  type Backend,
  type Parameter,
  type ReductionKernel,
  RuntimeError,
  SparseTensor,
  type Tensor,
  TypeError_,
  ValueError,
  absMaxReduction,
  axpy_,
  defineKernel,
  defineReduction,
  dotReduction,
  k,
  scale_,
  zeros,
} from '@tsoptim/core';
import {
  type Closure,
  Optimizer,
  type ParamGroupInput,
  type ParamState,
  type ParamsInput,
  evaluateClosure,
  type Scheduled,
} from './optimizer.js';
import type { StateSpec } from './state-spec.js';
import { withDefaults } from './validate.js';
import { type OptionsDecl, defineOptions, float, int, nonNegative } from './options.js';

/** Options of {@link LBFGS}; defaults as torch.optim.LBFGS. */
export interface LBFGSOptions {
  /** Learning rate: the initial step length of each iteration (default 1). */
  lr?: number;
  /** Maximal number of iterations per `step()` (default 20). */
  maxIter?: number;
  /** Maximal number of closure evaluations per `step()` (default ⌊maxIter·5/4⌋). */
  maxEval?: number | null;
  /** Termination tolerance on first-order optimality, max |g| (default 1e-7). */
  toleranceGrad?: number;
  /** Termination tolerance on function value and parameter changes (default 1e-9). */
  toleranceChange?: number;
  /** Number of (s, y) pairs kept for the inverse-Hessian approximation (default 100). */
  historySize?: number;
  /** `'strong_wolfe'` for a line search satisfying the strong Wolfe conditions, or null for a fixed step (default null). */
  lineSearchFn?: 'strong_wolfe' | null;
}

/** torch.optim.LBFGS's defaults (`maxEval: null` becomes ⌊maxIter·5/4⌋ at construction). */
export const LBFGS_OPTIONS: OptionsDecl<Required<LBFGSOptions>> = defineOptions<Required<LBFGSOptions>>('LBFGS', {
  lr: float(1, nonNegative('Invalid learning rate')),
  maxIter: int(20, positiveInt('max_iter')),
  maxEval: {
    default: null,
    kind: { type: 'int', nullable: true },
    schedulable: false,
    check: (v) => (v === null ? undefined : positiveInt('max_eval')(v)),
  },
  toleranceGrad: float(1e-7, nonNegative('Invalid tolerance_grad value'), { schedulable: false }),
  toleranceChange: float(1e-9, nonNegative('Invalid tolerance_change value'), { schedulable: false }),
  historySize: int(100, positiveInt('history_size')),
  lineSearchFn: { default: null, kind: { type: 'enum', values: ['strong_wolfe', null] } },
});

export const LBFGS_DEFAULTS: Required<LBFGSOptions> = LBFGS_OPTIONS.defaults;

/** The per-parameter state, declared once: checked on load, its scalars restored by a failed step. */
const LBFGS_STATE_SPEC: StateSpec = {
  scalars: {
    func_evals: 'count',
    n_iter: 'count',
    t: 'number',
    H_diag: 'number',
    prev_loss: 'number-or-null',
    ro: 'number-list',
    al: 'number-list',
  },
  required: ['func_evals', 'n_iter'],
  together: ['d', 't', 'old_dirs', 'old_stps', 'ro', 'H_diag', 'prev_flat_grad', 'prev_loss'],
};

function positiveInt(name: string): (v: number) => string | undefined {
  return (v) => (v >= 1 ? undefined : `LBFGS: option \`${name}\` must be at least 1, got ${v}`);
}

const GROUPS_MESSAGE = "LBFGS doesn't support per-parameter options (parameter groups)";

/** `flat[rows] ← src` (rows of the flat vector, src compact): the gather of a gradient into the flat vector. */
const gatherKernel = /*#__PURE__*/ defineKernel({
  name: 'lbfgs_gather',
  inputs: ['src'],
  outputs: ['flat'],
  body: ({ src }) => ({ flat: src }),
});
/** `flat[rows] ← 0`: a parameter without gradient. */
const zeroRowsKernel = /*#__PURE__*/ defineKernel({ name: 'lbfgs_zero', inputs: [], outputs: ['flat'], body: () => ({ flat: 0 }) });
/** `p ← p + t·flat[rows]` (p compact): torch's `_add_grad`, one pass per parameter. */
const addKernel = /*#__PURE__*/ defineKernel({
  name: 'lbfgs_add',
  inputs: ['p', 'flat'],
  scalars: ['t'],
  outputs: ['p'],
  body: ({ p, flat }, { t }) => ({ p: k.add(p, k.mul(t, flat)) }),
});
/** `out ← −x`. */
const negKernel = /*#__PURE__*/ defineKernel({ name: 'lbfgs_neg', inputs: ['x'], outputs: ['out'], body: ({ x }) => ({ out: k.neg(x) }) });
/** `y ← g − g_prev`, `s ← t·d`: the new curvature pair, in one pass. */
const pairKernel = /*#__PURE__*/ defineKernel({
  name: 'lbfgs_pair',
  inputs: ['g', 'prev', 'd'],
  scalars: ['t'],
  outputs: ['y', 's'],
  body: ({ g, prev, d }, { t }) => ({ y: k.sub(g, prev), s: k.mul(d, t) }),
});
/** Σ|x|. */
const absSumReduction = /*#__PURE__*/ defineReduction({ name: 'lbfgs_abssum', inputs: ['x'], body: ({ x }) => k.abs(x), combine: 'sum' });

const f32 = Math.fround;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The flat view of a parameter list (torch's `_gather_flat_grad` / `_add_grad`): parameter i occupies elements
 * [offset, offset + n) of a vector of `size` elements. Each parameter is gathered and scattered with one kernel
 * run over its segment, described as rows of the flat vector (the largest row size that divides the offset, the
 * parameter's size and the total).
 */
class FlatLayout {
  readonly size: number;
  private readonly segments: { offset: number; rowSize: number; rows: Int32Array }[];

  constructor(readonly params: readonly Parameter[]) {
    let offset = 0;
    const total = params.reduce((a, p) => a + p.size, 0);
    this.segments = params.map((p) => {
      const rowSize = Math.max(1, gcd(gcd(offset, p.size), total));
      const rows = new Int32Array(p.size / rowSize);
      for (let r = 0; r < rows.length; r++) rows[r] = offset / rowSize + r;
      const seg = { offset, rowSize, rows };
      offset += p.size;
      return seg;
    });
    this.size = total;
  }

  /** A new flat vector of every parameter's gradient (zeros where there is none; sparse ones densified). */
  gatherGrad(backend: Backend): Tensor {
    const flat = zeros([this.size], { backend });
    this.params.forEach((p, i) => {
      const seg = this.segments[i]!;
      const grad = p.grad;
      if (p.size === 0) return;
      if (grad === null || SparseTensor.isSparse(grad)) {
        backend.run(zeroRowsKernel, { tensors: { flat }, rows: { indices: seg.rows, rowSize: seg.rowSize, compact: [] } });
        if (grad !== null) this.scatterSparse(flat, seg.offset, grad);
        return;
      }
      backend.run(gatherKernel, { tensors: { flat, src: grad }, rows: { indices: seg.rows, rowSize: seg.rowSize, compact: ['src'] } });
    });
    return flat;
  }

  private scatterSparse(flat: Tensor, offset: number, grad: SparseTensor): void {
    const c = grad.coalesce();
    if (c.indices.length !== 0) {
      const rs = c.rowSize;
      const rowSize = Math.max(1, gcd(gcd(offset, rs), this.size));
      const per = rs / rowSize;
      const rows = new Int32Array(c.indices.length * per);
      c.indices.forEach((r, i) => {
        for (let j = 0; j < per; j++) rows[i * per + j] = (offset + r * rs) / rowSize + j;
      });
      flat.backend.run(gatherKernel, { tensors: { flat, src: c.values }, rows: { indices: rows, rowSize, compact: ['src'] } });
    }
    if (c !== grad) c.values.dispose();
  }

  /** `p ← p + t·v[segment]` for every parameter. */
  addTo(t: number, v: Tensor): void {
    this.params.forEach((p, i) => {
      const seg = this.segments[i]!;
      if (p.size === 0) return;
      p.backend.run(addKernel, {
        tensors: { p, flat: v },
        scalars: { t },
        rows: { indices: seg.rows, rowSize: seg.rowSize, compact: ['p'] },
      });
    });
  }
}

/** Scalars of flat vectors, read back to the host (LBFGS's control flow depends on them). */
class HostScalars {
  private out: Tensor | null = null;

  constructor(private readonly backend: Backend) {}

  private reduce(kernel: ReductionKernel, tensors: Record<string, Tensor>): number {
    this.out ??= zeros([], { backend: this.backend });
    this.backend.reduce(kernel, { tensors, out: this.out });
    return this.out.item();
  }
  dot(a: Tensor, b: Tensor): number {
    return this.reduce(dotReduction, { a, b });
  }
  absMax(x: Tensor): number {
    return this.reduce(absMaxReduction, { x });
  }
  absSum(x: Tensor): number {
    return this.reduce(absSumReduction, { x });
  }
  dispose(): void {
    this.out?.dispose();
  }
}

function neg(x: Tensor): Tensor {
  const out = zeros(x.shape, { backend: x.backend });
  x.backend.run(negKernel, { tensors: { x, out } });
  return out;
}

/**
 * The minimiser of the cubic through two points with function and derivative values, clamped to `bounds`
 * (default: between the points), or the middle of the bounds when the cubic has no real minimiser
 * (torch's `_cubic_interpolate`, after minFunc's polyinterp).
 *
 * @param x1 first point; `f1`, `g1`: value and derivative there.
 * @param x2 second point; `f2`, `g2`: value and derivative there.
 * @example
 * cubicInterpolate(0, 1, -2, 1, 0.5, 1); // 0.666…
 */
export function cubicInterpolate(
  x1: number,
  f1: number,
  g1: number,
  x2: number,
  f2: number,
  g2: number,
  bounds?: readonly [number, number],
): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 * d1 - g1 * g2;
  if (d2Square >= 0) {
    const d2 = Math.sqrt(d2Square);
    const minPos =
      x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}

type Objective = (t: number) => { f: number; g: Tensor };

/**
 * A line search along `d` satisfying the strong Wolfe conditions (torch's `_strong_wolfe`, after minFunc's and
 * torch7's lswolfe): bracketing with cubic extrapolation, then zoom with cubic interpolation.
 * Returns the accepted loss, gradient (one of the evaluated gradients, or `g`) and step, and the number of
 * evaluations. Every other gradient it evaluated is disposed.
 */
function strongWolfe(
  obj: Objective,
  scalars: HostScalars,
  t0: number,
  d: Tensor,
  f: number,
  g: Tensor,
  gtd: number,
  c1 = 1e-4,
  c2 = 0.9,
  toleranceChange = 1e-9,
  maxLs = 25,
): { f: number; g: Tensor; t: number; evals: number } {
  let t = t0;
  const dNorm = scalars.absMax(d);
  const evaluated: Tensor[] = [];
  const evaluate = (at: number): { f: number; g: Tensor; gtd: number } => {
    const r = obj(at);
    evaluated.push(r.g);
    return { f: r.f, g: r.g, gtd: f32(scalars.dot(r.g, d)) };
  };
  let cur = evaluate(t);
  let evals = 1;
  let tPrev = 0;
  let fPrev = f;
  let gPrev = g;
  let gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [];
  let bracketF: number[] = [];
  let bracketG: Tensor[] = [];
  let bracketGtd: number[] = [];
  while (lsIter < maxLs) {
    if (cur.f > f + c1 * t * gtd || (lsIter > 1 && cur.f >= fPrev)) {
      [bracket, bracketF, bracketG, bracketGtd] = [
        [tPrev, t],
        [fPrev, cur.f],
        [gPrev, cur.g],
        [gtdPrev, cur.gtd],
      ];
      break;
    }
    if (Math.abs(cur.gtd) <= -c2 * gtd) {
      [bracket, bracketF, bracketG] = [[t], [cur.f], [cur.g]];
      done = true;
      break;
    }
    if (cur.gtd >= 0) {
      [bracket, bracketF, bracketG, bracketGtd] = [
        [tPrev, t],
        [fPrev, cur.f],
        [gPrev, cur.g],
        [gtdPrev, cur.gtd],
      ];
      break;
    }
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, cur.f, cur.gtd, [minStep, maxStep]);
    tPrev = tmp;
    fPrev = cur.f;
    gPrev = cur.g;
    gtdPrev = cur.gtd;
    cur = evaluate(t);
    evals++;
    lsIter++;
  }
  if (lsIter === maxLs) {
    [bracket, bracketF, bracketG] = [
      [0, t],
      [f, cur.f],
      [g, cur.g],
    ];
  }
  let insufProgress = false;
  let [low, high] = bracketF[0]! <= bracketF[bracketF.length - 1]! ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1]! - bracket[0]!) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0]!, bracketF[0]!, bracketGtd[0]!, bracket[1]!, bracketF[1]!, bracketGtd[1]!);
    const bMax = Math.max(...bracket);
    const bMin = Math.min(...bracket);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < eps) {
      if (insufProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    cur = evaluate(t);
    evals++;
    lsIter++;
    if (cur.f > f + c1 * t * gtd || cur.f >= bracketF[low]!) {
      bracket[high] = t;
      bracketF[high] = cur.f;
      bracketG[high] = cur.g;
      bracketGtd[high] = cur.gtd;
      [low, high] = bracketF[0]! <= bracketF[1]! ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(cur.gtd) <= -c2 * gtd) {
        done = true;
      } else if (cur.gtd * (bracket[high]! - bracket[low]!) >= 0) {
        bracket[high] = bracket[low]!;
        bracketF[high] = bracketF[low]!;
        bracketG[high] = bracketG[low]!;
        bracketGtd[high] = bracketGtd[low]!;
      }
      bracket[low] = t;
      bracketF[low] = cur.f;
      bracketG[low] = cur.g;
      bracketGtd[low] = cur.gtd;
    }
  }
  const out = { f: bracketF[low]!, g: bracketG[low]!, t: bracket[low]!, evals };
  for (const x of evaluated) if (x !== out.g) x.dispose();
  return out;
}

/**
 * L-BFGS (Liu & Nocedal, "On the limited memory BFGS method for large scale optimization", Mathematical
 * Programming 45, 1989, https://doi.org/10.1007/BF01589116), as torch.optim.LBFGS (itself after minFunc):
 * closure-driven, over all parameters flattened into one vector, with an optional strong-Wolfe line search
 * (Nocedal & Wright, "Numerical Optimization", algorithms 3.5–3.6).
 *
 * Each `step(closure)` runs up to `maxIter` iterations (and `maxEval` closure evaluations). An iteration, with
 * g the flat gradient and the history of pairs sᵢ = tᵢ·dᵢ, yᵢ = gᵢ₊₁ − gᵢ (kept while yᵢ·sᵢ > 1e-10, at most
 * `historySize`), ρᵢ = 1/(yᵢ·sᵢ) and H₀ = (y·s)/(y·y) of the newest pair:
 *
 *   q ← −g;  for i newest → oldest: αᵢ = ρᵢ sᵢ·q, q ← q − αᵢ yᵢ;  d ← H₀ q;
 *   for i oldest → newest: βᵢ = ρᵢ yᵢ·d, d ← d + (αᵢ − βᵢ) sᵢ;
 *   t ← min(1, 1/‖g‖₁)·lr on the very first iteration, else lr (or the line search's step);  θ ← θ + t·d
 *
 * and it stops on max |g| ≤ toleranceGrad, |t|·max |d| ≤ toleranceChange, |Δloss| < toleranceChange or
 * g·d > −toleranceChange.
 *
 * As in torch, there is one parameter group, and the whole state is stored under the first parameter: `func_evals`,
 * `n_iter`, `d`, `t`, `old_dirs` (the yᵢ), `old_stps` (the sᵢ), `ro`, `H_diag`, `prev_flat_grad`, `prev_loss`,
 * and `al` (the αᵢ of the last iteration, a list of `historySize` entries, null where unused). Flat vectors are
 * gathered and scattered with one kernel run per parameter; dot products and norms are backend reductions whose
 * values are read back to the host, so LBFGS needs a backend with synchronous reads (the CPU backend).
 *
 * LBFGS is written by hand, not declared with `defineAlgorithm`: a declaration describes an update per parameter
 * and per step (a kernel, or an `update` of one tensor), while an LBFGS step is a closure-driven loop of iterations
 * and line-search evaluations over every parameter at once, with a history (lists of flat vectors, the two-loop
 * coefficients) stored under the first parameter only.
 *
 * @throws ValueError `Invalid learning rate: …`; `LBFGS doesn't support per-parameter options (parameter groups)`.
 * @throws RuntimeError from `step()`: `only 'strong_wolfe' is supported` for another `lineSearchFn`; on a backend
 * without synchronous reads. TypeError_ when `step()` gets no closure.
 * @example
 * const opt = new LBFGS([x], { lineSearchFn: 'strong_wolfe' });
 * const closure = () => { opt.zeroGrad(); const loss = f(x); loss.backward(); return loss; };
 * for (let i = 0; i < 10; i++) opt.step(closure);
 */
export class LBFGS extends Optimizer<Required<LBFGSOptions>> {
  constructor(params: ParamsInput<LBFGSOptions>, options: Scheduled<LBFGSOptions> = {}) {
    const o = withDefaults(LBFGS_DEFAULTS, options);
    if ((o.maxEval === null || o.maxEval === undefined) && typeof o.maxIter === 'number') o.maxEval = Math.floor((o.maxIter * 5) / 4);
    super(params, o);
    if (this.paramGroups.length !== 1) throw new ValueError(GROUPS_MESSAGE);
  }

  /** LBFGS has exactly one parameter group: adding another throws, as torch's step would fail. */
  override addParamGroup(_group: ParamGroupInput<Partial<Required<LBFGSOptions>>>): void {
    throw new ValueError(GROUPS_MESSAGE);
  }

  protected override optionsDecl(): OptionsDecl<Required<LBFGSOptions>> {
    return LBFGS_OPTIONS;
  }

  protected override stateSpec(): StateSpec {
    return LBFGS_STATE_SPEC;
  }

  protected override stateTensorShape(key: string, _param: Parameter): readonly number[] | 'any' | 'list' | undefined {
    if (key === 'd' || key === 'prev_flat_grad') return [this.paramGroups[0]!.params.reduce((a, p) => a + p.size, 0)];
    if (key === 'old_dirs' || key === 'old_stps') return 'list';
    return undefined;
  }

  protected updateGroup(): void {
    throw new RuntimeError('LBFGS steps through stepImpl');
  }

  protected override stepImpl(closure: Closure | undefined): number | undefined {
    if (typeof closure !== 'function') throw new TypeError_("LBFGS.step() missing 1 required positional argument: 'closure'");
    const group = this.hyper(this.paramGroups[0]!);
    const { lr, maxIter, toleranceGrad, toleranceChange, lineSearchFn, historySize } = group;
    const maxEval = group.maxEval ?? Math.floor((maxIter * 5) / 4);
    if (lineSearchFn !== null && lineSearchFn !== 'strong_wolfe') throw new RuntimeError("only 'strong_wolfe' is supported");
    const params = group.params;
    const backend = params[0]!.backend;
    if (!backend.syncRead) {
      throw new RuntimeError(
        `LBFGS reads dot products back during its step and needs synchronous reads, which the ${backend.name} backend has not`,
      );
    }
    const layout = new FlatLayout(params);
    const scalars = new HostScalars(backend);
    const state: ParamState = this.stateOf(params[0]!);
    state.func_evals ??= 0;
    state.n_iter ??= 0;
    const call = (): number => {
      const v = evaluateClosure(closure);
      if (typeof v !== 'number') throw new TypeError_('the LBFGS closure must return the loss');
      return v;
    };

    try {
      const origLoss = call();
      let loss = origLoss;
      let currentEvals = 1;
      state.func_evals = (state.func_evals as number) + 1;
      let flatGrad = layout.gatherGrad(backend);
      let optCond = scalars.absMax(flatGrad) <= toleranceGrad;
      if (optCond) {
        flatGrad.dispose();
        return origLoss;
      }

      let d = state.d as Tensor | undefined;
      let t = state.t as number | undefined;
      let oldDirs = state.old_dirs as Tensor[] | undefined;
      let oldStps = state.old_stps as Tensor[] | undefined;
      let ro = state.ro as number[] | undefined;
      let hDiag = state.H_diag as number | undefined;
      let prevFlatGrad = state.prev_flat_grad as Tensor | undefined;
      let prevLoss = state.prev_loss as number | undefined;
      let al = state.al as (number | null)[] | undefined;

      let nIter = 0;
      while (nIter < maxIter) {
        nIter++;
        const globalIter = (state.n_iter as number) + 1;
        state.n_iter = globalIter;

        // Descent direction.
        if (globalIter === 1) {
          d = neg(flatGrad);
          oldDirs = [];
          oldStps = [];
          ro = [];
          hDiag = 1;
        } else {
          const y = zeros([layout.size], { backend });
          const s = zeros([layout.size], { backend });
          backend.run(pairKernel, { tensors: { g: flatGrad, prev: prevFlatGrad!, d: d!, y, s }, scalars: { t: t! } });
          const ys = scalars.dot(y, s);
          if (ys > 1e-10) {
            if (oldDirs!.length === historySize) {
              oldDirs!.shift()?.dispose();
              oldStps!.shift()?.dispose();
              ro!.shift();
            }
            oldDirs!.push(y);
            oldStps!.push(s);
            ro!.push(f32(1 / ys));
            hDiag = f32(ys / scalars.dot(y, y));
          } else {
            y.dispose();
            s.dispose();
          }
          const numOld = oldDirs!.length;
          al ??= new Array<number | null>(historySize).fill(null);
          const q = neg(flatGrad);
          for (let i = numOld - 1; i >= 0; i--) {
            al[i] = f32(scalars.dot(oldStps![i]!, q) * ro![i]!);
            axpy_(q, -al[i]!, oldDirs![i]!);
          }
          scale_(q, hDiag!);
          d!.dispose();
          d = q;
          for (let i = 0; i < numOld; i++) {
            const be = f32(scalars.dot(oldDirs![i]!, d) * ro![i]!);
            axpy_(d, f32(al[i]! - be), oldStps![i]!);
          }
        }
        if (prevFlatGrad === undefined) prevFlatGrad = flatGrad.clone();
        else prevFlatGrad.copy_(flatGrad);
        prevLoss = loss;

        // Step length.
        if (globalIter === 1) {
          const inv = f32(1 / scalars.absSum(flatGrad));
          t = inv < 1 ? f32(inv * lr) : lr;
        } else {
          t = lr;
        }
        const gtd = f32(scalars.dot(flatGrad, d!));
        if (gtd > -toleranceChange) break;

        let lsFuncEvals = 0;
        if (lineSearchFn !== null) {
          const xInit = params.map((p) => p.clone());
          const dir = d!;
          const obj: Objective = (at) => {
            layout.addTo(at, dir);
            const f = call();
            const g = layout.gatherGrad(backend);
            params.forEach((p, i) => p.copy_(xInit[i]!));
            return { f, g };
          };
          const res = strongWolfe(obj, scalars, t, dir, loss, flatGrad, gtd);
          for (const x of xInit) x.dispose();
          if (res.g !== flatGrad) flatGrad.dispose();
          loss = res.f;
          flatGrad = res.g;
          t = res.t;
          lsFuncEvals = res.evals;
          layout.addTo(t, dir);
          optCond = scalars.absMax(flatGrad) <= toleranceGrad;
        } else {
          layout.addTo(t, d!);
          if (nIter !== maxIter) {
            loss = call();
            flatGrad.dispose();
            flatGrad = layout.gatherGrad(backend);
            optCond = scalars.absMax(flatGrad) <= toleranceGrad;
            lsFuncEvals = 1;
          }
        }
        currentEvals += lsFuncEvals;
        state.func_evals = (state.func_evals as number) + lsFuncEvals;

        // Termination.
        if (nIter === maxIter) break;
        if (currentEvals >= maxEval) break;
        if (optCond) break;
        if (Math.abs(t) * scalars.absMax(d!) <= toleranceChange) break;
        if (Math.abs(loss - prevLoss) < toleranceChange) break;
      }
      flatGrad.dispose();

      state.d = d;
      state.t = t;
      state.old_dirs = oldDirs;
      state.old_stps = oldStps;
      state.ro = ro;
      state.H_diag = hDiag;
      state.prev_flat_grad = prevFlatGrad;
      state.prev_loss = prevLoss;
      if (al !== undefined) state.al = al;
      return origLoss;
    } finally {
      scalars.dispose();
    }
  }
}
