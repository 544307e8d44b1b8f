import { type Rng, ValueError } from '@tsoptim/core';
import { tensor, zeros } from './internal/alloc.js';
import { pickRng } from './init.js';
import { mulK } from './internal/kernels.js';
import { type Input, Variable, record } from './variable.js';

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Probability of zeroing an element. Default 0.5. */
  readonly p?: number;
  /** Drop only when true (default true); otherwise the input passes through. */
  readonly training?: boolean;
  /** The generator of the mask; the package-wide one (see `manualSeed`) when omitted. */
  readonly rng?: Rng;
}

/** Throws torch's error for a probability outside [0, 1]. @internal */
export function checkDropoutP(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new ValueError(`dropout probability has to be between 0 and 1, but got ${p}`);
}

/**
 * Inverted dropout (torch's `F.dropout`): each element is zeroed with probability `p` and the rest are
 * scaled by `1 / (1 − p)`, so the expected value is unchanged. The mask comes from a seeded generator.
 * Backward multiplies by the same mask.
 *
 * @param x - a variable or tensor.
 * @param options - `p`, `training`, `rng`.
 * @throws ValueError when `p` is outside [0, 1].
 * @see https://jmlr.org/papers/v15/srivastava14a.html
 * @example
 * const h = dropout(relu(x), { p: 0.2, rng: createRng(0) });
 */
export function dropout(x: Input, options: DropoutOptions = {}): Variable {
  const p = options.p ?? 0.5;
  checkDropoutP(p);
  const v = Variable.from(x);
  if (options.training === false || p === 0) return v;
  const rng = pickRng(options.rng === undefined ? {} : { rng: options.rng });
  const keep = p === 1 ? 0 : 1 / (1 - p);
  const m = new Float32Array(v.size);
  for (let i = 0; i < m.length; i++) m[i] = rng.next() < p ? 0 : keep;
  const backend = v.value.backend;
  const mask = tensor(m, { backend, shape: v.shape });
  const out = zeros(v.shape, { backend });
  backend.run(mulK, { tensors: { a: v.value, b: mask, out } });
  return record('dropout', out, [v], (g) => {
    const dx = zeros(g.shape, { backend });
    backend.run(mulK, { tensors: { a: g, b: mask, out: dx } });
    return [dx];
  });
}
