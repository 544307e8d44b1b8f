import { type Parameter, SparseTensor, parameter, tensor } from '@tsoptim/core';
import { firstMismatch, loadFixture } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import { DenseSparseAdam } from './index.js';

type Grad = { kind: 'dense'; values: number[] } | { kind: 'sparse'; indices: number[]; values: number[] };
interface Track {
  shape: number[];
  init: number[];
  grads: Grad[];
  steps: number[][];
}
interface DsaFixture {
  source: string;
  options: { lr: number; betas: [number, number]; eps: number };
  embedding: Track;
  dense: Track;
  sparse_only: { grads: Grad[]; steps: number[][] };
}
const fx = loadFixture<DsaFixture>('registry', 'dense_sparse_adam');

function close(what: string, got: ArrayLike<number>, expected: readonly number[]): void {
  const bad = firstMismatch(got, expected, 1e-7, 1e-5);
  if (bad) expect.fail(`${what}: element ${bad.index}: got ${bad.actual}, expected ${bad.expected}`);
}

function setGrad(p: Parameter, g: Grad): void {
  if (g.kind === 'dense') p.setGrad(g.values);
  else p.grad = new SparseTensor(p.shape, Int32Array.from(g.indices), tensor(g.values, { shape: [g.indices.length, ...p.shape.slice(1)] }));
}

describe(`DenseSparseAdam against ${fx.source}`, () => {
  it('updates a parameter with sparse and dense gradients, and a dense one, in one optimizer', () => {
    const emb = parameter(fx.embedding.init, { shape: fx.embedding.shape });
    const dense = parameter(fx.dense.init, { shape: fx.dense.shape });
    const opt = new DenseSparseAdam([emb, dense], fx.options);
    fx.embedding.grads.forEach((g, t) => {
      setGrad(emb, g);
      setGrad(dense, fx.dense.grads[t]!);
      opt.step();
      close(`step ${t} embedding (${g.kind})`, emb.data, fx.embedding.steps[t]!);
      close(`step ${t} dense`, dense.data, fx.dense.steps[t]!);
    });
    expect(opt.state.get(emb)!.step).toBe(fx.embedding.grads.length);
  });

  it("matches torch's SparseAdam on sparse gradients (duplicate rows summed)", () => {
    const emb = parameter(fx.embedding.init, { shape: fx.embedding.shape });
    const opt = new DenseSparseAdam([emb], fx.options);
    fx.sparse_only.grads.forEach((g, t) => {
      setGrad(emb, g);
      opt.step();
      close(`step ${t}`, emb.data, fx.sparse_only.steps[t]!);
    });
  });

  it("validates with torch's messages", () => {
    const p = [parameter([1])];
    expect(() => new DenseSparseAdam(p, { lr: -1 })).toThrow('Invalid learning rate: -1');
    expect(() => new DenseSparseAdam(p, { eps: -1 })).toThrow('Invalid epsilon value: -1');
    expect(() => new DenseSparseAdam(p, { betas: [0.9, 1] })).toThrow('Invalid beta parameter at index 1: 1');
  });
});
