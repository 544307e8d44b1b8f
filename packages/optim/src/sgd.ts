import {
  type ElementwiseKernel,
  type Parameter,
  RuntimeError,
  type SparseTensor,
  type Tensor,
  defineKernel,
  isSparseTensor,
  k,
  kernelFamily,
  zeros,
} from '@tsoptim/core';
import { defineAlgorithm, functionalForm } from './algorithm.js';
import type { BaseOptions } from './optimizer.js';
import { preamble } from './kernels/decay.js';
import { type OptionsDecl, baseSpecs, bool, defineOptions, float, nonNegative, withoutCapturable } from './options.js';

/** Options of {@link SGD}; defaults as torch.optim.SGD. */
export interface SGDOptions extends Omit<BaseOptions, 'capturable'> {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening for momentum (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false); needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
}

/** SGD's options, declared once: defaults, kinds, torch's checks and the Nesterov rule. */
export const SGD_OPTIONS: OptionsDecl<Required<SGDOptions>> = defineOptions<Required<SGDOptions>>(
  'SGD',
  {
    lr: float(1e-3, nonNegative('Invalid learning rate')),
    momentum: float(0, nonNegative('Invalid momentum value')),
    dampening: float(0),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
    nesterov: bool(false),
    maximize: bool(false),
    ...withoutCapturable(baseSpecs({ fused: true })),
  },
  {
    cross: (o) =>
      o.nesterov === true && typeof o.momentum === 'number' && typeof o.dampening === 'number' && (o.momentum <= 0 || o.dampening !== 0)
        ? 'Nesterov momentum requires a momentum and zero dampening'
        : undefined,
  },
);

export const SGD_DEFAULTS: Required<SGDOptions> = SGD_OPTIONS.defaults;

/** dst ← src over the selected rows (a sparse gradient's values into a dense tensor). */
const scatterKernel = defineKernel({
  name: 'scatter-rows',
  inputs: ['dst', 'src'],
  scalars: [],
  outputs: ['dst'],
  body: ({ src }) => ({ dst: src }),
});

const sgdKernel = /*#__PURE__*/ kernelFamily(
  (f: { maximize: boolean; decay: boolean; momentum: boolean; nesterov: boolean; init: boolean }) =>
    defineKernel({
      name: 'sgd',
      inputs: f.momentum ? ['param', 'grad', 'momentumBuffer'] : ['param', 'grad'],
      scalars: ['lr', 'decayCoef', 'momentum', 'dampening'],
      outputs: f.momentum ? ['param', 'momentumBuffer'] : ['param'],
      body: (t, s) => {
        let g = preamble({ param: t.param, grad: t.grad }, s, { maximize: f.maximize, decay: f.decay ? 'l2' : 'none' }).grad;
        const out: Record<string, k.Expr> = {};
        if (f.momentum) {
          const buf = (t as Record<string, k.Expr>).momentumBuffer!;
          const b = f.init ? g : k.add(k.mul(s.momentum, buf), k.mul(k.sub(1, s.dampening), g));
          out.momentumBuffer = b;
          g = f.nesterov ? k.add(g, k.mul(s.momentum, b)) : b;
        }
        out.param = k.sub(t.param, k.mul(s.lr, g));
        return out as never;
      },
    }),
);

/** Hyper-parameters of the functional {@link sgd}. */
export interface SGDStepOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/** The kernels of these options, for a buffer's later steps and its first: looked up when the flags change. */
let kernels: { flags: number; pair: readonly [ElementwiseKernel, ElementwiseKernel] } | undefined;

function sgdKernels(o: SGDStepOptions): readonly [ElementwiseKernel, ElementwiseKernel] {
  const decay = o.weightDecay !== 0;
  const momentum = o.momentum !== 0;
  const flags = +o.maximize | (+decay << 1) | (+momentum << 2) | (+o.nesterov << 3);
  if (kernels?.flags !== flags) {
    const f = { maximize: o.maximize, decay, momentum, nesterov: o.nesterov };
    kernels = { flags, pair: [sgdKernel({ ...f, init: false }), sgdKernel({ ...f, init: true })] };
  }
  return kernels.pair;
}

/**
 * SGD, declared once: options, state (`momentum_buffer` with momentum, created from the first gradient as torch's,
 * so none without momentum and none before the first step), and the update: a sparse gradient is the dense gradient
 * with zeros elsewhere, so it is scattered into one and the update is torch's (with momentum or weight decay
 * torch's sparse arithmetic gives the same dense result); then one fused pass.
 */
const SGDAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'SGD',
  options: SGD_OPTIONS,
  state: { step: false, tensors: ['momentum_buffer'], initial: { momentum_buffer: null } },
  stepOptions: (g): SGDStepOptions => g,
  uses: (o) => (o.momentum !== 0 ? ['momentum_buffer'] : []),
  update: (param, grad: Tensor | SparseTensor, state, _t, o) => {
    const backend = param.backend;
    let dense = grad as Tensor;
    if (isSparseTensor(grad)) {
      dense = zeros(param.shape, { backend });
      const c = grad.coalesce();
      backend.run(scatterKernel, {
        tensors: { dst: dense, src: c.values },
        rows: { indices: c.indices, rowSize: c.rowSize, compact: ['src'] },
      });
      if (c !== grad) c.values.dispose();
    }
    const first = o.momentum !== 0 && !state.momentumBuffer;
    if (first) state.momentumBuffer = zeros(param.shape, { backend });
    try {
      backend.run(sgdKernels(o)[first ? 1 : 0], {
        tensors: o.momentum !== 0 ? { param, grad: dense, momentumBuffer: state.momentumBuffer! } : { param, grad: dense },
        scalars: { lr: o.lr, decayCoef: o.weightDecay, momentum: o.momentum, dampening: o.dampening },
      });
    } finally {
      if (dense !== grad) dense.dispose();
    }
  },
});

/**
 * The SGD update on raw tensors (torch.optim's functional `sgd`), one fused pass per parameter:
 *
 *   g ← ±grad + λ·θ;  b ← g (first step) or μ·b + (1−τ)·g;  g ← g + μ·b (nesterov) or b;  θ ← θ − γ·g
 *
 * `sgd(params, grads, momentumBuffers, options)`: one buffer per parameter, `null` where it does not exist yet
 * — it is created (zeros on the parameter's backend, then set to the first gradient) and put in its place.
 */
export const sgd = /*#__PURE__*/ functionalForm(SGDAlgorithm);

/**
 * Stochastic gradient descent, optionally with momentum, Nesterov momentum and weight decay, as
 * torch.optim.SGD. Nesterov momentum follows Sutskever et al., "On the importance of initialization and
 * momentum in deep learning" (2013), in torch's formulation.
 *
 * State per parameter: `momentum_buffer` (only when momentum ≠ 0).
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid momentum value: …`, `Invalid weight_decay value: …`,
 * `Nesterov momentum requires a momentum and zero dampening`.
 * @example
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends SGDAlgorithm {
  /** Sparse gradients are accepted, as torch's SGD accepts them — but not with weight decay (torch's message). */
  protected override checkGradients(params: readonly Parameter[]): void {
    const sparse = params.find((p) => isSparseTensor(p.grad));
    if (sparse === undefined) return;
    const wd = this.paramGroups.find((g) => g.params.includes(sparse))?.weightDecay;
    if (typeof wd === 'number' && wd !== 0) throw new RuntimeError('add(sparse, dense) is not supported. Use add(dense, sparse) instead.');
  }
}
