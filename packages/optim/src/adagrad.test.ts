import { CpuBackend, Parameter, SparseTensor, type Tensor, tensor } from '@tsoptim/core';
import { camelKeys, firstMismatch, loadFixture } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import { ASGD, Adadelta, Adagrad, Adamax, NAdam, RAdam, RMSprop, Rprop } from './index.js';

/** tooling/fixtures/gen_algorithms.py: adagrad_sparse(). */
interface SparseFixture {
  kwargs: Record<string, unknown>;
  shape: number[];
  init: number[];
  steps: number;
  grads: { indices: number[]; values: number[] }[];
  values: number[][];
  state: { step: number; sum: number[] };
}

const backend = new CpuBackend();
const TOL = { atol: 1e-6, rtol: 1e-5 };

describe('Adagrad with sparse gradients (torch 1.13 fixtures)', () => {
  for (const name of ['adagrad_sparse', 'adagrad_sparse_maximize']) {
    it(`${name}: uncoalesced rows, values after every step and the final state`, async () => {
      const fx = loadFixture<SparseFixture>('optim', name);
      const w = new Parameter(tensor(fx.init, { backend, shape: fx.shape }));
      const opt = new Adagrad([w], camelKeys(fx.kwargs));
      const rowShape = fx.shape.slice(1);
      fx.grads.forEach((g, t) => {
        const values = tensor(g.values, { backend, shape: [g.indices.length, ...rowShape] });
        w.grad = new SparseTensor(fx.shape, Int32Array.from(g.indices), values);
        opt.step();
        const bad = firstMismatch(w.data, fx.values[t]!, TOL.atol, TOL.rtol);
        expect(bad, `step ${t + 1}: ${JSON.stringify(bad)}`).toBeNull();
      });
      const s = opt.state.get(w)!;
      expect(s.step).toBe(fx.state.step);
      const sum = await (s.sum as Tensor).read();
      expect(firstMismatch(sum, fx.state.sum, TOL.atol, TOL.rtol)).toBeNull();
    });
  }

  it('rejects weight decay with a sparse gradient before changing anything', () => {
    const a = new Parameter(tensor([1, 2], { backend }));
    const b = new Parameter(tensor([[1, 2]], { backend }));
    const opt = new Adagrad([a, b], { weightDecay: 0.1 });
    a.setGrad([1, 1]);
    b.grad = new SparseTensor([1, 2], Int32Array.of(0), tensor([[1, 1]], { backend }));
    const before = JSON.stringify(opt.stateDict());
    expect(() => opt.step()).toThrow('weight_decay option is not compatible with sparse gradients');
    expect(JSON.stringify(opt.stateDict())).toBe(before);
    expect(Array.from(a.data)).toEqual([1, 2]);
  });

  it('creates its state for every parameter at construction, as torch does', () => {
    const a = new Parameter(tensor([1, 2], { backend }));
    const opt = new Adagrad([a], { initialAccumulatorValue: 0.5 });
    expect(JSON.parse(JSON.stringify(opt.stateDict())).state).toEqual({ '0': { step: 0, sum: [0.5, 0.5] } });
  });
});

describe('sparse gradients in the other element-wise optimizers', () => {
  const cases = [
    ['Adadelta', (p: Parameter[]) => new Adadelta(p)],
    ['Adamax', (p: Parameter[]) => new Adamax(p)],
    ['ASGD', (p: Parameter[]) => new ASGD(p)],
    ['NAdam', (p: Parameter[]) => new NAdam(p)],
    ['RAdam', (p: Parameter[]) => new RAdam(p)],
    ['RMSprop', (p: Parameter[]) => new RMSprop(p)],
    ['Rprop', (p: Parameter[]) => new Rprop(p)],
  ] as const;
  for (const [name, make] of cases) {
    it(`${name} rejects them with torch's message`, () => {
      const w = new Parameter(tensor([[1, 2]], { backend }));
      const opt = make([w]);
      w.grad = new SparseTensor([1, 2], Int32Array.of(0), tensor([[1, 1]], { backend }));
      expect(() => opt.step()).toThrow(`${name} does not support sparse gradients`);
      expect(opt.state.size).toBe(0);
    });
  }
});
