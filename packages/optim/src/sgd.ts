import { type Parameter, RuntimeError, SparseTensor, type Tensor, defineKernel, k, kernelFamily, zeros } from '@tsoptim/core';
import { type BaseOptions, Optimizer, type ParamGroup, type ParamsInput, type Scheduled } from './optimizer.js';
import { preamble } from './kernels/decay.js';
import { type OptionsDecl, baseSpecs, bool, defineOptions, float, nonNegative, withoutCapturable } from './options.js';
import type { StateSpec } from './state-spec.js';
import { withDefaults } from './validate.js';

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

/** The per-parameter state, declared once: checked on load, its scalars restored by a failed step. */
const SGD_STATE_SPEC: StateSpec = { scalars: {} };

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
      inputs: f.momentum ? ['param', 'grad', 'buf'] : ['param', 'grad'],
      scalars: ['lr', 'decayCoef', 'momentum', 'dampening'],
      outputs: f.momentum ? ['param', 'buf'] : ['param'],
      body: (t, s) => {
        let g = preamble({ param: t.param, grad: t.grad }, s, { maximize: f.maximize, decay: f.decay ? 'l2' : 'none' }).grad;
        const out: Record<string, k.Expr> = {};
        if (f.momentum) {
          const buf = (t as Record<string, k.Expr>).buf!;
          const b = f.init ? g : k.add(k.mul(s.momentum, buf), k.mul(k.sub(1, s.dampening), g));
          out.buf = b;
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

/**
 * The SGD update on raw tensors (torch.optim's functional `sgd`), one fused pass per parameter:
 *
 *   g ← ±grad + λ·θ;  b ← g (first step) or μ·b + (1−τ)·g;  g ← g + μ·b (nesterov) or b;  θ ← θ − γ·g
 *
 * @param momentumBuffers one per parameter; `null` where the buffer does not exist yet — it is created (zeros
 * on the parameter's backend, then set to the first gradient) and returned in its place.
 */
export function sgd(params: readonly Tensor[], grads: readonly Tensor[], momentumBuffers: (Tensor | null)[], o: SGDStepOptions): void {
  const useMomentum = o.momentum !== 0;
  const scalars = { lr: o.lr, decayCoef: o.weightDecay, momentum: o.momentum, dampening: o.dampening };
  const flags = { maximize: o.maximize, decay: o.weightDecay !== 0, momentum: useMomentum, nesterov: o.nesterov };
  const update = sgdKernel({ ...flags, init: false });
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    const grad = grads[i]!;
    let buf = momentumBuffers[i] ?? null;
    const init = useMomentum && buf === null;
    if (init) {
      buf = zeros(param.shape, { backend: param.backend });
      momentumBuffers[i] = buf;
    }
    const kernel = init ? sgdKernel({ ...flags, init: true }) : update;
    param.backend.run(kernel, { tensors: useMomentum ? { param, grad, buf: buf! } : { param, grad }, scalars });
  }
}

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
export class SGD extends Optimizer<Required<SGDOptions>> {
  constructor(params: ParamsInput<SGDOptions>, options: Scheduled<SGDOptions> = {}) {
    super(params, withDefaults(SGD_DEFAULTS, options));
  }

  protected override optionsDecl(): OptionsDecl<Required<SGDOptions>> {
    return SGD_OPTIONS;
  }

  protected override stateSpec(): StateSpec {
    return SGD_STATE_SPEC;
  }

  protected override paramShapedState(): readonly string[] {
    return ['momentum_buffer'];
  }

  /** Sparse gradients are accepted, as torch's SGD accepts them — but not with weight decay (torch's message). */
  protected override checkGradients(params: readonly Parameter[]): void {
    const sparse = params.find((p) => SparseTensor.isSparse(p.grad));
    if (sparse === undefined) return;
    const wd = this.paramGroups.find((g) => g.params.includes(sparse))?.weightDecay;
    if (typeof wd === 'number' && wd !== 0) throw new RuntimeError('add(sparse, dense) is not supported. Use add(dense, sparse) instead.');
  }

  protected updateGroup(group: ParamGroup<Required<SGDOptions>>, params: Parameter[]): void {
    // A sparse gradient is the dense gradient with zeros elsewhere: scattered into one, the update is torch's
    // (with momentum or weight decay torch's sparse arithmetic gives the same dense result).
    const scattered: Tensor[] = [];
    const grads = params.map((p) => {
      const g = p.grad!;
      if (!SparseTensor.isSparse(g)) return g;
      const dense = zeros(p.shape, { backend: p.backend });
      const c = g.coalesce();
      p.backend.run(scatterKernel, {
        tensors: { dst: dense, src: c.values },
        rows: { indices: c.indices, rowSize: c.rowSize, compact: ['src'] },
      });
      if (c !== g) c.values.dispose();
      scattered.push(dense);
      return dense;
    });
    const buffers = params.map((p) => (this.state.get(p)?.momentum_buffer as Tensor | undefined) ?? null);
    try {
      sgd(params, grads, buffers, group);
    } finally {
      for (const t of scattered) t.dispose();
    }
    if (group.momentum !== 0) {
      params.forEach((p, i) => {
        this.stateOf(p).momentum_buffer = buffers[i];
      });
    }
  }
}
