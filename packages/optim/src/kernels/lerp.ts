import { defineKernel } from '@tsoptim/core';
import { lerp } from './moments.js';

/**
 * `x ← x + w·(y − x)` (torch's `lerp_`) as a whole kernel: Adafactor's row and column factors, SWA's and EMA's
 * parameter averages, NeroPlus's per-row second moment (`y` may broadcast).
 */
export const lerpKernel = /*#__PURE__*/ defineKernel({
  name: 'lerp',
  inputs: ['x', 'y'],
  scalars: ['w'],
  outputs: ['x'],
  body: ({ x, y }, { w }) => ({ x: lerp(x, y, w) }),
});
