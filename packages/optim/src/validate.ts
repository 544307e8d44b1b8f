/**
 * Option checks with torch's exact messages. Each check looks only at plain numbers: a schedule-valued option
 * is checked when it produces a value.
 */
import { ValueError } from '@tsoptim/core';
import { noteOptionDefault } from './internal/hyper.js';

function num(v: unknown): v is number {
  return typeof v === 'number';
}

/** `Invalid learning rate: …` unless lr ≥ 0. */
export function checkLr(lr: unknown): void {
  if (num(lr) && !(lr >= 0)) throw new ValueError(`Invalid learning rate: ${lr}`);
}

/** `Invalid epsilon value: …` unless eps ≥ 0. */
export function checkEps(eps: unknown): void {
  if (num(eps) && !(eps >= 0)) throw new ValueError(`Invalid epsilon value: ${eps}`);
}

/** `Invalid weight_decay value: …` unless weightDecay ≥ 0. */
export function checkWeightDecay(wd: unknown): void {
  if (num(wd) && !(wd >= 0)) throw new ValueError(`Invalid weight_decay value: ${wd}`);
}

/** `Invalid momentum value: …` unless momentum ≥ 0. */
export function checkMomentum(m: unknown): void {
  if (num(m) && !(m >= 0)) throw new ValueError(`Invalid momentum value: ${m}`);
}

/** `Invalid beta parameter at index i: …` unless 0 ≤ beta_i < 1 for both betas. */
export function checkBetas(betas: unknown): void {
  if (!Array.isArray(betas)) return;
  if (betas.length !== 2) throw new ValueError(`betas must be a pair of numbers, got ${betas.length} values`);
  betas.forEach((b, i) => {
    if (num(b) && !(b >= 0 && b < 1)) throw new ValueError(`Invalid beta parameter at index ${i}: ${b}`);
  });
}

/** The checks every Adam-like optimizer makes, in torch's order: lr, eps, betas, weight decay. */
export function checkAdamOptions(o: Record<string, unknown>): void {
  checkLr(o.lr);
  checkEps(o.eps);
  checkBetas(o.betas);
  checkWeightDecay(o.weightDecay);
}

/** Checks a named option is in [lo, hi] (inclusive unless said), with torch's `Invalid <name> value: …` form. */
export function checkRange(name: string, v: unknown, lo: number, hi: number, opts: { loOpen?: boolean; hiOpen?: boolean } = {}): void {
  if (!num(v)) return;
  const okLo = opts.loOpen ? v > lo : v >= lo;
  const okHi = opts.hiOpen ? v < hi : v <= hi;
  if (!(okLo && okHi)) throw new ValueError(`Invalid ${name} value: ${v}`);
}

/** Merges options over defaults, skipping `undefined` (so `{ lr: undefined }` keeps the default). */
export function withDefaults<O extends object>(defaults: O, options: object | undefined): O {
  const out = { ...defaults } as Record<string, unknown>;
  if (options) {
    for (const [k, v] of Object.entries(options)) {
      if (v === undefined) continue;
      // An own `__proto__` key (from JSON) stays a plain key, so that the option check rejects it by name.
      if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      else out[k] = v;
      noteOptionDefault(v, (defaults as Record<string, unknown>)[k]);
    }
  }
  return out as O;
}
