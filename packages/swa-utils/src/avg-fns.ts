import { type Tensor, ValueError, zeros } from '@tsoptim/core';
import { emaK, lerpK, swaK } from './internal/kernels.js';

/**
 * An averaging function for one tensor (torch's `avg_fn`): returns the new average from the current average,
 * the model's current value and how many models were averaged so far. The result is copied into the average.
 */
export type AvgFn = (averaged: Tensor, current: Tensor, numAveraged: number) => Tensor;

/**
 * An averaging function over all tensors at once (torch's `multi_avg_fn`): updates each `averaged[i]` in
 * place from `current[i]`.
 */
export type MultiAvgFn = (averaged: readonly Tensor[], current: readonly Tensor[], numAveraged: number) => void;

function checkDecay(decay: number): void {
  if (typeof decay !== 'number' || !(decay >= 0 && decay <= 1)) {
    throw new ValueError(`Invalid decay value ${decay} provided. Please provide a value in [0,1] range.`);
  }
}

/**
 * An in-place exponential moving average over all tensors (torch's `get_ema_multi_avg_fn`):
 * `avg ← decay·avg + (1 − decay)·p`, one kernel per tensor (a lerp with weight `1 − decay`).
 *
 * @param decay - weight of the running average, in [0, 1] (default 0.999).
 * @throws ValueError when `decay` is outside [0, 1].
 * @example
 * const ema = new AveragedModel(model, { multiAvgFn: getEmaMultiAvgFn(0.999) });
 */
export function getEmaMultiAvgFn(decay = 0.999): MultiAvgFn {
  checkDecay(decay);
  return (averaged, current) => {
    averaged.forEach((avg, i) => avg.backend.run(lerpK, { tensors: { avg, p: current[i]! }, scalars: { w: 1 - decay } }));
  };
}

/**
 * An in-place equal-weight running average over all tensors (torch's `get_swa_multi_avg_fn`, the SWA
 * default): `avg ← avg + (p − avg) / (n + 1)` after `n` models.
 *
 * @see https://arxiv.org/abs/1803.05407
 * @example
 * const swa = new AveragedModel(model, { multiAvgFn: getSwaMultiAvgFn() });
 */
export function getSwaMultiAvgFn(): MultiAvgFn {
  return (averaged, current, numAveraged) => {
    const w = 1 / (numAveraged + 1);
    averaged.forEach((avg, i) => avg.backend.run(lerpK, { tensors: { avg, p: current[i]! }, scalars: { w } }));
  };
}

/**
 * An exponential moving average for one tensor (torch's `get_ema_avg_fn`): returns
 * `decay·avg + (1 − decay)·p` as a new tensor.
 *
 * @param decay - weight of the running average, in [0, 1] (default 0.999).
 * @throws ValueError when `decay` is outside [0, 1].
 * @example
 * const ema = new AveragedModel(model, { avgFn: getEmaAvgFn(0.99), useBuffers: true });
 */
export function getEmaAvgFn(decay = 0.999): AvgFn {
  checkDecay(decay);
  return (avg, p) => {
    const out = zeros(avg.shape, { backend: avg.backend });
    avg.backend.run(emaK, { tensors: { avg, p, out }, scalars: { decay } });
    return out;
  };
}

/**
 * An equal-weight running average for one tensor (torch's `get_swa_avg_fn`): returns
 * `avg + (p − avg) / (n + 1)` as a new tensor.
 *
 * @see https://arxiv.org/abs/1803.05407
 * @example
 * const swa = new AveragedModel(model, { avgFn: getSwaAvgFn() });
 */
export function getSwaAvgFn(): AvgFn {
  return (avg, p, n) => {
    const out = zeros(avg.shape, { backend: avg.backend });
    avg.backend.run(swaK, { tensors: { avg, p, out }, scalars: { n } });
    return out;
  };
}
