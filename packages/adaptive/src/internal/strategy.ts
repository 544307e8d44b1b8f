import { TypeError_ } from '@tsoptim/core';
import type { WeightDecayStrategy } from '../decay-fragment.js';
import { WeightDecay } from '../weight-decay.js';

/** The strategy an optimizer uses: labml's default `WeightDecay()`, a coefficient, or the given strategy. */
export function toStrategy(x: WeightDecayStrategy | number | undefined): WeightDecayStrategy {
  if (x === undefined) return new WeightDecay();
  if (typeof x === 'number') return new WeightDecay({ weightDecay: x });
  if (typeof x !== 'object' || x === null || typeof x.resolve !== 'function' || typeof x.defaults !== 'function') {
    throw new TypeError_('weightDecay must be a number or a weight-decay strategy (WeightDecay, L1WeightDecay...)');
  }
  return x;
}
