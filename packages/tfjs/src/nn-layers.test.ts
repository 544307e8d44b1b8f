import * as tf from '@tensorflow/tfjs-core';
import { type Backend, Parameter, type Tensor, tensor } from '@tsoptim/core';
import { Conv2d, Linear, type Module, crossEntropy, mul, sum, tidy } from '@tsoptim/nn';
import { describe, expect, it } from 'vitest';
import { TfjsBackend } from './index.js';
import { useTfjsBackend } from './internal/test-backends.js';

await useTfjsBackend('cpu');
const backend = new TfjsBackend();

const values = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(3 * i + 1));

/**
 * Forward and backward of `Σ y²` through a seeded layer, with the input a parameter too (so its gradient, a
 * product with the weight untransposed, is checked as well).
 */
async function layerStep(
  make: (on: { backend?: Backend }) => Module,
  shape: number[],
  on?: Backend,
): Promise<Record<string, Float32Array>> {
  const opts = on === undefined ? {} : { backend: on };
  const layer = make(opts);
  const x = new Parameter(tensor(values(shape.reduce((a, b) => a * b, 1)), { shape, ...opts }));
  const y = layer.forward(x);
  if (on !== undefined) expect(y.value.backend).toBe(on);
  const result: Record<string, Float32Array> = { y: await y.value.read() };
  sum(mul(y, y)).backward();
  for (const [name, p] of layer.namedParameters()) result[name] = await (p.grad as Tensor).read();
  result.x = await (x.grad as Tensor).read();
  return result;
}

function expectClose(got: Record<string, Float32Array>, want: Record<string, Float32Array>): void {
  expect(Object.keys(got)).toEqual(Object.keys(want));
  for (const [what, w] of Object.entries(want)) {
    const g = got[what]!;
    expect(g.length, what).toBe(w.length);
    for (let i = 0; i < w.length; i++) expect(Math.abs(g[i]! - w[i]!), `${what}[${i}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(w[i]!)));
  }
}

describe('nn layers on the tfjs backend match the CPU backend (float32 tolerance)', () => {
  it('Linear: forward and backward (matmul with the weight transposed in place and a bias)', async () => {
    const make = (o: { backend?: Backend }) => new Linear(5, 3, { seed: 7, ...o });
    expectClose(await layerStep(make, [6, 5], backend), await layerStep(make, [6, 5]));
  });

  it('Conv2d with zero padding: forward and backward (gatherRows / scatterAddRows with -1, permute)', async () => {
    const make = (o: { backend?: Backend }) => new Conv2d(2, 3, 3, { padding: 1, seed: 5, ...o });
    expectClose(await layerStep(make, [2, 2, 5, 5], backend), await layerStep(make, [2, 2, 5, 5]));
  });

  it('a classifier step leaks no tfjs tensors', () => {
    const layer = new Linear(5, 4, { seed: 3, backend });
    const x = tensor(values(30), { shape: [6, 5], backend });
    const step = (): void =>
      tidy(() => {
        layer.zeroGrad();
        crossEntropy(layer.forward(x), [0, 1, 2, 3, 0, 1]).backward();
      });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
  });
});
