import { defineKernel, k } from '@tsoptim/core';
import { fragments } from '@tsoptim/optim';

/** `avg ← avg + w·(p − avg)` (torch's `_foreach_lerp_`; SWA with `w = 1/(n+1)`, EMA with `w = 1 − decay`). */
export const lerpK = /*#__PURE__*/ defineKernel({
  name: 'swa_lerp',
  inputs: ['avg', 'p'],
  scalars: ['w'],
  outputs: ['avg'],
  body: ({ avg, p }, { w }) => ({ avg: fragments.lerp(avg, p, w) }),
});

/** `out ← decay·avg + (1 − decay)·p`. */
export const emaK = /*#__PURE__*/ defineKernel({
  name: 'swa_ema',
  inputs: ['avg', 'p'],
  scalars: ['decay'],
  outputs: ['out'],
  body: ({ avg, p }, { decay }) => ({ out: fragments.ema(avg, p, decay) }),
});

/** `out ← avg + (p − avg) / (n + 1)`. */
export const swaK = /*#__PURE__*/ defineKernel({
  name: 'swa_mean',
  inputs: ['avg', 'p'],
  scalars: ['n'],
  outputs: ['out'],
  body: ({ avg, p }, { n }) => ({ out: k.add(avg, k.div(k.sub(p, avg), k.add(n, 1))) }),
});
