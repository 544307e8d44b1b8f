import type { Expr, ExprLike } from '@tsoptim/core';
import * as k from '@tsoptim/core/expr';

/** An exponential moving average written in one of its two forms (see {@link ema} and {@link lerpAverage}). */
export type Average = (avg: Expr, x: Expr, beta: ExprLike) => Expr;

/** β·avg + (1 − β)·x: the form torch.optim's dense algorithms use. */
export const ema: Average = (avg, x, beta) => k.add(k.mul(beta, avg), k.mul(k.sub(1, beta), x));

/** avg + w·(x − avg) (torch's `lerp_`): SWA's averages, Adafactor's variances, TensorFlow-style moments. */
export function lerp(avg: Expr, x: Expr, w: ExprLike): Expr {
  return k.add(avg, k.mul(w, k.sub(x, avg)));
}

/** The moving average β·avg + (1 − β)·x written as a lerp with weight 1 − β (SparseAdam, ALF, TensorFlow). */
export const lerpAverage: Average = (avg, x, beta) => lerp(avg, x, k.sub(1, beta));

/** g²: the term of a second moment. */
export function sq(g: Expr): Expr {
  return k.mul(g, g);
}

/** AMSGrad's running maximum of the second moment. */
export function amsMax(prevMax: Expr, v: Expr): Expr {
  return k.max(prevMax, v);
}

/** The state tensors of Adam's moments, as kernel inputs. */
export interface MomentInputs {
  readonly expAvg: Expr;
  readonly expAvgSq: Expr;
  /** Read only when `amsgrad`. */
  readonly maxExpAvgSq?: Expr | undefined;
}

/** How a member of the Adam family writes its moments. */
export interface MomentForm {
  /** Form of m ← β₁m + (1−β₁)g (default {@link ema}). */
  readonly first?: Average;
  /** Form of v ← β₂v + (1−β₂)r² (default {@link ema}). */
  readonly second?: Average;
  /** Keep the running maximum of v (AMSGrad). */
  readonly amsgrad?: boolean;
  /** AdaBelief: the second moment averages (g − m)² instead of g². */
  readonly belief?: boolean;
}

/** Adam's moments of one step: the new m and v, and v̂ (the maximum with AMSGrad, else v) that the update uses. */
export interface Moments {
  readonly m: Expr;
  readonly v: Expr;
  readonly vHat: Expr;
}

/**
 * Adam's moment update, written once for the whole family:
 *
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²  (AdaBelief: (g − m)²);  v̂ ← max(v̂, v) with AMSGrad.
 */
export function adamMoments(state: MomentInputs, g: Expr, beta1: ExprLike, beta2: ExprLike, form: MomentForm = {}): Moments {
  const m = (form.first ?? ema)(state.expAvg, g, beta1);
  const r = form.belief ? k.sub(g, m) : g;
  const v = (form.second ?? ema)(state.expAvgSq, sq(r), beta2);
  const vHat = form.amsgrad ? amsMax(state.maxExpAvgSq!, v) : v;
  return { m, v, vHat };
}

/**
 * Adam's denominator √v̂ · invBc2Sqrt + ε (torch's form, ε after the bias correction), or √v̂ + ε when
 * `invBc2Sqrt` is omitted (the bias correction folded into the step size: TensorFlow's ε̂).
 */
export function adamDenominator(vHat: Expr, eps: ExprLike, invBc2Sqrt?: ExprLike): Expr {
  const root = invBc2Sqrt === undefined ? k.sqrt(vHat) : k.mul(k.sqrt(vHat), invBc2Sqrt);
  return k.add(root, eps);
}

/** θ − stepSize · u: every algorithm's last line. */
export function descend(param: Expr, stepSize: ExprLike, update: Expr): Expr {
  return k.sub(param, k.mul(stepSize, update));
}

/** θ − stepSize · m / denom: the adaptive step. */
export function adaptiveStep(param: Expr, stepSize: ExprLike, m: Expr, denom: Expr): Expr {
  return descend(param, stepSize, k.div(m, denom));
}
