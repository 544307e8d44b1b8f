import { type Parameter, zeros } from '@tsoptim/core';
import type { ParamState } from '@tsoptim/optim';

/** `step`, `exp_avg`, `exp_avg_sq`, created on a parameter's first step. */
export function initAdamState(s: ParamState, p: Parameter): ParamState {
  if (s.step === undefined) {
    s.step = 0;
    s.exp_avg = zeros(p.shape, { backend: p.backend });
    s.exp_avg_sq = zeros(p.shape, { backend: p.backend });
  }
  return s;
}

/** Options over defaults, `undefined` keeping the default. */
export function withDefaults<O extends object>(defaults: O, options: Partial<O> | undefined): O {
  const out = { ...defaults } as Record<string, unknown>;
  if (options) for (const [key, v] of Object.entries(options)) if (v !== undefined) out[key] = v;
  return out as O;
}
