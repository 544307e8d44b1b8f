import { defineKernel, k } from '@tsoptim/core';

/** `avg ← avg + w·(p − avg)` (torch's `_foreach_lerp_`; SWA with `w = 1/(n+1)`, EMA with `w = 1 − decay`). */
export const lerpK = /*#__PURE__*/ defineKernel({
  name: 'swa_lerp',
  inputs: ['avg', 'p'],
  scalars: ['w'],
  outputs: ['avg'],
  body: ({ avg, p }, { w }) => ({ avg: k.add(avg, k.mul(w, k.sub(p, avg))) }),
});

/** `out ← decay·avg + (1 − decay)·p`. */
export const emaK = /*#__PURE__*/ defineKernel({
  name: 'swa_ema',
  inputs: ['avg', 'p'],
  scalars: ['decay'],
  outputs: ['out'],
  body: ({ avg, p }, { decay }) => ({ out: k.add(k.mul(decay, avg), k.mul(k.sub(1, decay), p)) }),
});

/** `out ← avg + (p − avg) / (n + 1)`. */
export const swaK = /*#__PURE__*/ defineKernel({
  name: 'swa_mean',
  inputs: ['avg', 'p'],
  scalars: ['n'],
  outputs: ['out'],
  body: ({ avg, p }, { n }) => ({ out: k.add(avg, k.div(k.sub(p, avg), k.add(n, 1))) }),
});
