import { type Parameter, type Shape, type Tensor, createRng, parameter, shapeSize, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import {
  type Variable,
  add,
  batchNorm,
  crossEntropy,
  div,
  dropout,
  exp,
  gatherRows,
  linear,
  log,
  logSoftmax,
  matmul,
  mean,
  mseLoss,
  mul,
  nllLoss,
  noGrad,
  relu,
  reshape,
  sigmoid,
  softmax,
  sub,
  sum,
  tanh,
  transpose,
} from './index.js';

/**
 * Central finite differences of f = Σ out·w (summed in float64 on the host) against the backward pass.
 * float32 forward passes make the differences noisy at about 1e-5; a step of 1e-2 keeps the truncation error
 * near 1e-4 for these smooth functions, so a tolerance of 2e-3 catches any real mistake (a wrong factor, sign
 * or index) while passing honest float32 noise.
 */
function gradcheck(
  inputs: Record<string, { shape: Shape; low?: number; high?: number; awayFromZero?: number }>,
  f: (p: Record<string, Parameter>) => Variable,
  seed = 1,
): void {
  const rng = createRng(seed);
  const params: Record<string, Parameter> = {};
  for (const [name, spec] of Object.entries(inputs)) {
    const lo = spec.low ?? -1.5;
    const hi = spec.high ?? 1.5;
    const d = new Float32Array(shapeSize(spec.shape));
    for (let i = 0; i < d.length; i++) {
      let v = lo + (hi - lo) * rng.next();
      if (spec.awayFromZero !== undefined && Math.abs(v) < spec.awayFromZero) v += v < 0 ? -spec.awayFromZero : spec.awayFromZero;
      d[i] = v;
    }
    params[name] = parameter(d, { shape: spec.shape });
  }
  const out = f(params);
  const w = new Float32Array(out.size);
  for (let i = 0; i < w.length; i++) w[i] = rng.next() * 2 - 1;
  const objective = (): number => {
    const y = noGrad(() => f(params)).data;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i]! * w[i]!;
    return s;
  };
  sum(mul(out, tensor(w, { shape: out.shape }))).backward();
  const eps = 1e-2;
  for (const [name, p] of Object.entries(params)) {
    const analytic = (p.grad as Tensor).data.slice(); // a copy: views do not survive later allocations
    for (let i = 0; i < p.size; i++) {
      const v = p.data[i]!;
      p.data[i] = v + eps;
      const fp = objective();
      p.data[i] = v - eps;
      const fm = objective();
      p.data[i] = v;
      const numeric = (fp - fm) / (2 * eps);
      const err = Math.abs(numeric - analytic[i]!);
      if (!(err <= 2e-3 * (1 + Math.abs(numeric)))) {
        expect.fail(`∂${name}[${i}]: backward ${analytic[i]}, finite differences ${numeric}`);
      }
    }
  }
}

describe('gradients against finite differences', () => {
  it('add, sub, mul, div with broadcasting', () => {
    gradcheck({ a: { shape: [3, 4] }, b: { shape: [4] } }, (p) => add(p.a!, p.b!));
    gradcheck({ a: { shape: [3, 1] }, b: { shape: [1, 4] } }, (p) => sub(p.a!, p.b!));
    gradcheck({ a: { shape: [2, 3, 4] }, b: { shape: [3, 1] } }, (p) => mul(p.a!, p.b!));
    gradcheck({ a: { shape: [3, 4] }, b: { shape: [4], low: 0.5, high: 2 } }, (p) => div(p.a!, p.b!));
    gradcheck({ a: { shape: [2, 2] } }, (p) => div(3, add(mul(p.a!, p.a!), 1)));
  });

  it('matmul and linear', () => {
    gradcheck({ a: { shape: [5, 7] }, b: { shape: [7, 3] } }, (p) => matmul(p.a!, p.b!));
    gradcheck({ x: { shape: [2, 3, 5] }, w: { shape: [4, 5] }, b: { shape: [4] } }, (p) => linear(p.x!, p.w!, p.b!));
  });

  it('sum and mean, over everything and along dimensions', () => {
    gradcheck({ x: { shape: [3, 4] } }, (p) => sum(p.x!));
    gradcheck({ x: { shape: [2, 3, 4] } }, (p) => sum(p.x!, { dim: [0, 2] }));
    gradcheck({ x: { shape: [2, 3, 4] } }, (p) => mean(p.x!, { dim: 1, keepDim: true }));
    gradcheck({ x: { shape: [5] } }, (p) => mean(p.x!));
  });

  it('relu, tanh, sigmoid, exp, log', () => {
    gradcheck({ x: { shape: [4, 5], awayFromZero: 0.05 } }, (p) => relu(p.x!));
    gradcheck({ x: { shape: [4, 5] } }, (p) => tanh(p.x!));
    gradcheck({ x: { shape: [4, 5], low: -4, high: 4 } }, (p) => sigmoid(p.x!));
    gradcheck({ x: { shape: [3, 4] } }, (p) => exp(p.x!));
    gradcheck({ x: { shape: [3, 4], low: 0.5, high: 3 } }, (p) => log(p.x!));
  });

  it('softmax and logSoftmax along any dimension', () => {
    gradcheck({ x: { shape: [4, 5], low: -3, high: 3 } }, (p) => softmax(p.x!, 1));
    gradcheck({ x: { shape: [4, 5], low: -3, high: 3 } }, (p) => softmax(p.x!, 0));
    gradcheck({ x: { shape: [2, 3, 4], low: -3, high: 3 } }, (p) => logSoftmax(p.x!, 1));
  });

  it('reshape, transpose, gatherRows', () => {
    gradcheck({ x: { shape: [3, 4] } }, (p) => mul(reshape(p.x!, [6, -1]), reshape(p.x!, [6, 2])));
    gradcheck({ x: { shape: [2, 3, 4] } }, (p) => transpose(p.x!, 0, 2));
    gradcheck({ x: { shape: [5, 3] } }, (p) => gatherRows(p.x!, [4, 0, 4, 2, 4]));
  });

  it('losses', () => {
    gradcheck({ x: { shape: [4, 3] }, y: { shape: [4, 3] } }, (p) => mseLoss(p.x!, p.y!));
    gradcheck({ x: { shape: [6, 5], low: -3, high: 3 } }, (p) => crossEntropy(p.x!, [2, 0, 4, 1, 2, 3]));
    gradcheck({ x: { shape: [6, 5], low: -3, high: 3 } }, (p) =>
      crossEntropy(p.x!, [2, -100, 4, 1, 2, 3], { reduction: 'none', weight: tensor([1, 2, 0.5, 1, 3]) }),
    );
    gradcheck({ x: { shape: [4, 3], low: -3, high: 0 } }, (p) => nllLoss(p.x!, [0, 2, 2, 1], { reduction: 'sum' }));
  });

  it("nllLoss's gradient does not depend on the input's values (torch: −w[y]/Σw at the target, 0 elsewhere)", () => {
    // Values past float32 exp's range (e^800 = ∞) must not turn the zero weights into 0 · ∞ = NaN.
    const x = parameter(tensor([800, 0, -5, 0, 900, 1e30], { shape: [2, 3] }));
    nllLoss(x, [0, 2], { weight: tensor([1, 2, 3]) }).backward();
    expect(Array.from((x.grad as Tensor).data, (v) => v + 0)).toEqual([-0.25, 0, 0, 0, 0, -0.75]); // + 0: torch writes +0
  });

  it('batchNorm with batch and with running statistics', () => {
    gradcheck({ x: { shape: [6, 3] }, w: { shape: [3] }, b: { shape: [3] } }, (p) =>
      batchNorm(p.x!, null, null, p.w!, p.b!, { training: true }),
    );
    gradcheck({ x: { shape: [3, 2, 4] }, w: { shape: [2] }, b: { shape: [2] } }, (p) =>
      batchNorm(p.x!, null, null, p.w!, p.b!, { training: true, eps: 1e-3 }),
    );
    gradcheck({ x: { shape: [4, 3] }, w: { shape: [3] }, b: { shape: [3] } }, (p) =>
      batchNorm(p.x!, tensor([0.1, -0.2, 0.3]), tensor([0.5, 1, 2]), p.w!, p.b!, { training: false }),
    );
  });

  it('a whole network: linear → batchNorm → relu → dropout → linear → crossEntropy', () => {
    gradcheck(
      { x: { shape: [5, 4] }, w1: { shape: [6, 4] }, b1: { shape: [6] }, g: { shape: [6], low: 0.5, high: 1.5 }, w2: { shape: [3, 6] } },
      (p) => {
        const h = batchNorm(linear(p.x!, p.w1!, p.b1!), null, null, p.g!, null, { training: true });
        const d = dropout(relu(h), { p: 0.25, rng: createRng(3) });
        return crossEntropy(linear(d, p.w2!), [0, 1, 2, 1, 0]);
      },
    );
  });
});
