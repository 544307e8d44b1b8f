import { defineKernel, defineReduction, k, kernelFamily } from '@tsoptim/core';
import { fragments } from '@tsoptim/optim';

/** Which update a thinc optimizer call runs (decided on the host, once per call). */
export type ThincRule = 'sgd' | 'adam' | 'radam' | 'radam_sgd';

/** Compile-time flags of {@link thincKernel}. */
export interface ThincFlags {
  [flag: string]: boolean | string;
  rule: ThincRule;
  /** L2 added to the gradient (`L2 != 0` and not `L2_is_weight_decay`). */
  l2: boolean;
  /** Gradient clipping by norm (`grad_clip` truthy): reads the norm tensor. */
  clip: boolean;
  /** Decoupled weight decay after the update (`L2 != 0` and `L2_is_weight_decay`). */
  decay: boolean;
  /** Parameter averages (`use_averages`). */
  averages: boolean;
}

/**
 * ‖g + l2·w‖₂ (l2 = 0 when L2 is not added to the gradient): the norm thinc clips by, taken after the L2 term
 * is added.
 */
export const thincNormL2 = /*#__PURE__*/ defineReduction({
  name: 'thinc_grad_norm_l2',
  inputs: ['grad', 'weights'],
  scalars: ['l2'],
  body: ({ grad, weights }, { l2 }) => k.square(k.add(grad, k.mul(l2, weights))),
  combine: 'sum',
  finalize: (acc) => k.sqrt(acc),
});

/** ‖g‖₂. */
export const thincNorm = /*#__PURE__*/ defineReduction({
  name: 'thinc_grad_norm',
  inputs: ['grad'],
  body: ({ grad }) => k.square(grad),
  combine: 'sum',
  finalize: (acc) => k.sqrt(acc),
});

/**
 * A whole thinc optimizer call for one key in one pass: L2 term, clipping, the SGD / Adam / RAdam update,
 * decoupled decay, the zeroed gradient, and the parameter average. Scalars:
 * `l2`, `clip` (threshold), `lr` (the step's scale: lr_scale·learn_rate for SGD, the bias-corrected rate for
 * Adam, step_size·learn_rate for RAdam), `b1`, `b2`, `eps`, `decay` (lr_scale·learn_rate·L2), `avgKeep`
 * (1 − the averaging decay).
 */
export const thincKernel = /*#__PURE__*/ kernelFamily((f: ThincFlags) => {
  const moments = f.rule !== 'sgd';
  const inputs = ['weights', 'grad'];
  if (f.clip) inputs.push('gnorm');
  if (moments) inputs.push('mom1', 'mom2');
  if (f.averages) inputs.push('avg');
  const outputs = ['weights', 'grad'];
  if (moments) outputs.push('mom1', 'mom2');
  if (f.averages) outputs.push('avg');
  return defineKernel({
    name: `thinc_${f.rule}`,
    inputs,
    scalars: ['l2', 'clip', 'lr', 'b1', 'b2', 'eps', 'decay', 'avgKeep'],
    outputs,
    body: (t, s) => {
      const x = t as Record<string, k.Expr>;
      const w = x.weights!;
      let g = x.grad!;
      if (f.l2) g = fragments.preamble({ param: w, grad: g }, { decayCoef: s.l2 }, { decay: 'l2' }).grad;
      if (f.clip) g = k.mul(g, k.select(k.ge(x.gnorm!, s.clip), k.div(s.clip, x.gnorm!), 1));
      const out: Record<string, k.Expr> = { grad: k.c(0) };
      let next: k.Expr;
      if (moments) {
        const { m, v } = fragments.adamMoments({ expAvg: x.mom1!, expAvgSq: x.mom2! }, g, s.b1, s.b2);
        out.mom1 = m;
        out.mom2 = v;
        next =
          f.rule === 'radam_sgd' ? fragments.descend(w, s.lr, m) : fragments.adaptiveStep(w, s.lr, m, fragments.adamDenominator(v, s.eps));
      } else {
        next = fragments.descend(w, s.lr, g);
      }
      if (f.decay) next = fragments.decayAfter(next, s.decay);
      out.weights = next;
      if (f.averages) out.avg = fragments.lerp(x.avg!, next, s.avgKeep);
      return out as never;
    },
  });
});
