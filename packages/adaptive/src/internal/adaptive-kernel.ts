import { type Expr, defineKernel, k } from '@tsoptim/core';
import { type DecayFragment, fragments } from '@tsoptim/optim';

/** Compile-time choices of the adaptive kernel. */
export type AdaptiveFlags = {
  /** `sq`: v ← β₂v + (1−β₂)g² (LabmlAdam); `belief`: s ← β₂s + (1−β₂)(g−m)², used as s + ε (AdaBelief). */
  second: 'sq' | 'belief';
  /** Keep and use the running maximum of the second moment. */
  amsgrad: boolean;
  /** `adaptive`: θ − stepSize·m/denominator; `sgd`: θ − stepSize·m; `none`: the moments only. */
  update: 'adaptive' | 'sgd' | 'none';
  /** Denominator √v + ε (true) or √v/√(1−β₂ᵗ) + ε (false). */
  optimized: boolean;
};

/**
 * The one kernel of the whole family: decay fragment, moments, optional running maximum, update. Reads θ, g, m,
 * v (and v_max); writes θ, m, v (and v_max), composed from optim's fragments. Scalars: beta1, beta2, eps,
 * stepSize, invBc2Sqrt = 1/√(1−β₂ᵗ), and the fragment's.
 */
export const adaptiveKernel = /*#__PURE__*/ fragments.decayKernelFamily((decay: DecayFragment, f: AdaptiveFlags) =>
  defineKernel({
    name: `adaptive_${decay.name}_${f.second}${f.amsgrad ? '_max' : ''}_${f.update}${f.optimized ? '' : '_unopt'}`,
    inputs: f.amsgrad ? ['param', 'grad', 'expAvg', 'second', 'secondMax'] : ['param', 'grad', 'expAvg', 'second'],
    scalars: ['beta1', 'beta2', 'eps', 'stepSize', 'invBc2Sqrt', ...decay.scalars],
    outputs: f.amsgrad ? ['param', 'expAvg', 'second', 'secondMax'] : ['param', 'expAvg', 'second'],
    body: (t, s) => {
      const ins = t as Record<string, Expr>;
      const sc = s as Record<string, Expr>;
      const d = fragments.preamble({ param: ins.param!, grad: ins.grad! }, sc, { decay });
      const {
        m,
        v: second,
        vHat,
      } = fragments.adamMoments({ expAvg: ins.expAvg!, expAvgSq: ins.second!, maxExpAvgSq: ins.secondMax }, d.grad, sc.beta1!, sc.beta2!, {
        amsgrad: f.amsgrad,
        belief: f.second === 'belief',
      });
      const v = f.second === 'belief' ? k.add(vHat, sc.eps!) : vHat;
      let param = d.param;
      if (f.update === 'adaptive') {
        const denom = fragments.adamDenominator(v, sc.eps!, f.optimized ? undefined : sc.invBc2Sqrt!);
        param = fragments.adaptiveStep(param, sc.stepSize!, m, denom);
      } else if (f.update === 'sgd') {
        param = fragments.descend(param, sc.stepSize!, m);
      }
      const out: Record<string, Expr> = { param, expAvg: m, second };
      if (f.amsgrad) out.secondMax = vHat;
      return out as never;
    },
  }),
);
