import { type Expr, defineKernel, k } from '@tsoptim/core';
import { type DecayFragment, decayKernelFamily } from '../decay-fragment.js';

/** Compile-time choices of the adaptive kernel. */
export type AdaptiveFlags = {
  /** `sq`: v ← β₂v + (1−β₂)g² (Adam); `belief`: s ← β₂s + (1−β₂)(g−m)², used as s + ε (AdaBelief). */
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
 * v (and v_max); writes θ, m, v (and v_max). Scalars: beta1, beta1c = 1−β₁, beta2, beta2c = 1−β₂, eps,
 * stepSize, invBc2Sqrt = 1/√(1−β₂ᵗ), and the fragment's.
 */
export const adaptiveKernel = /*#__PURE__*/ decayKernelFamily((decay: DecayFragment, f: AdaptiveFlags) =>
  defineKernel({
    name: `adaptive_${decay.name}_${f.second}${f.amsgrad ? '_max' : ''}_${f.update}${f.optimized ? '' : '_unopt'}`,
    inputs: f.amsgrad ? ['param', 'grad', 'expAvg', 'second', 'secondMax'] : ['param', 'grad', 'expAvg', 'second'],
    scalars: ['beta1', 'beta1c', 'beta2', 'beta2c', 'eps', 'stepSize', 'invBc2Sqrt', ...decay.scalars],
    outputs: f.amsgrad ? ['param', 'expAvg', 'second', 'secondMax'] : ['param', 'expAvg', 'second'],
    body: (t, s) => {
      const ins = t as Record<string, Expr>;
      const sc = s as Record<string, Expr>;
      const d = decay.apply({ param: ins.param!, grad: ins.grad! }, sc);
      const g = d.grad;
      const m = k.add(k.mul(sc.beta1!, ins.expAvg!), k.mul(sc.beta1c!, g));
      const r = f.second === 'sq' ? g : k.sub(g, m);
      const second = k.add(k.mul(sc.beta2!, ins.second!), k.mul(sc.beta2c!, k.mul(r, r)));
      const used = f.amsgrad ? k.max(ins.secondMax!, second) : second;
      const v = f.second === 'belief' ? k.add(used, sc.eps!) : used;
      let param = d.param;
      if (f.update === 'adaptive') {
        const root = f.optimized ? k.sqrt(v) : k.mul(k.sqrt(v), sc.invBc2Sqrt!);
        param = k.sub(param, k.mul(sc.stepSize!, k.div(m, k.add(root, sc.eps!))));
      } else if (f.update === 'sgd') {
        param = k.sub(param, k.mul(sc.stepSize!, m));
      }
      const out: Record<string, Expr> = { param, expAvg: m, second };
      if (f.amsgrad) out.secondMax = used;
      return out as never;
    },
  }),
);
