import { Parameter, RuntimeError, type Tensor, createRng, tensor, zeros } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { BatchNorm1d, Dropout, type Input, Linear, Module, ReLU, Sequential, type Variable, manualSeed, relu, sum } from './index.js';
import { loadFixture } from './internal/testing.js';

const errors = loadFixture<Record<string, string>>('nn', 'errors');

class Mlp extends Module {
  readonly fc1 = this.registerModule('fc1', new Linear(3, 4, { seed: 1 }));
  readonly fc2 = this.registerModule('fc2', new Linear(4, 2, { seed: 2 }));
  scale = 2;
  forward(x: Input): Variable {
    return this.fc2.forward(relu(this.fc1.forward(x)));
  }
}

describe('Module', () => {
  it('names parameters, buffers and children as torch', () => {
    const net = new Sequential(new Linear(3, 2), new BatchNorm1d(2), new ReLU());
    expect(net.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['1.running_mean', '1.running_var', '1.num_batches_tracked']);
    expect(net.children().length).toBe(3);
    expect(net.modules().length).toBe(4);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', '0', '1', '2']);
    expect(net.parameters().every((p) => Parameter.isParameter(p))).toBe(true);
    expect(Object.keys(net.stateDict())).toEqual([
      '0.weight',
      '0.bias',
      '1.weight',
      '1.bias',
      '1.running_mean',
      '1.running_var',
      '1.num_batches_tracked',
    ]);
    expect(new Mlp().namedParameters().map(([n]) => n)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
  });

  it('lists a shared parameter once', () => {
    const a = new Linear(2, 2);
    const net = new Sequential(a, a);
    expect(net.parameters().length).toBe(2);
  });

  it('switches training mode recursively', () => {
    const net = new Sequential(new Linear(3, 2), new Sequential(new BatchNorm1d(2), new Dropout()));
    net.eval();
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
  });

  it('validates names', () => {
    const m = new ReLU();
    expect(() => m.registerParameter('a.b', null)).toThrow(`parameter name can't contain "."`);
    expect(() => m.registerBuffer('', null)).toThrow(`buffer name can't be empty string ""`);
    expect(() => m.registerParameter('w', zeros([1]) as Parameter)).toThrow(/parameter 'w'/);
  });

  it('zeroGrad sets gradients to null by default, or to zero', () => {
    const net = new Linear(2, 1);
    sum(net.forward(tensor([[1, 2]]))).backward();
    net.zeroGrad({ setToNone: false });
    expect(Array.from((net.weight.grad as Tensor).data)).toEqual([0, 0]);
    net.zeroGrad();
    expect(net.weight.grad).toBeNull();
    sum(net.forward(tensor([[1, 2]]))).backward();
    net.zeroGrad(false); // the former boolean form
    expect(Array.from((net.weight.grad as Tensor).data)).toEqual([0, 0]);
  });
});

describe('loadStateDict', () => {
  const make = () => new Sequential(new Linear(3, 2, { seed: 3 }), new BatchNorm1d(2));

  it('copies values in place (references held elsewhere see them)', () => {
    const src = make();
    const dst = new Sequential(new Linear(3, 2, { seed: 4 }), new BatchNorm1d(2));
    const w = dst.at(0).parameters()[0]!;
    src.stateDict()['1.running_mean']!.assign([5, 6]);
    const res = dst.loadStateDict(src.stateDict());
    expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(dst.parameters()[0]).toBe(w);
    expect(Array.from(w.data)).toEqual(Array.from(src.parameters()[0]!.data));
    expect(Array.from(dst.stateDict()['1.running_mean']!.data)).toEqual([5, 6]);
  });

  it('accepts nested arrays', () => {
    const net = make();
    const sd = Object.fromEntries(Object.entries(net.stateDict()).map(([k, v]) => [k, v.toArray()]));
    (sd['0.bias'] as number[])[0] = 42;
    net.loadStateDict(sd);
    expect(net.parameters()[1]!.data[0]).toBe(42);
  });

  it("rejects missing, unexpected and mis-shaped entries with torch's messages, changing nothing", () => {
    const net = make();
    const before = JSON.stringify(net.stateDict());
    const sd = () => Object.fromEntries(Object.entries(make().stateDict()).map(([k, v]) => [k, v.clone().fill_(7)]));
    const missing = sd();
    delete missing['0.bias'];
    expect(() => net.loadStateDict(missing)).toThrow(errors.missing);
    expect(() => net.loadStateDict({ ...sd(), extra: zeros([1]) })).toThrow(errors.unexpected);
    expect(() => net.loadStateDict({ ...missing, extra: zeros([1]) })).toThrow(errors.both);
    expect(() => net.loadStateDict({ ...sd(), '0.weight': zeros([3, 3]) })).toThrow(errors.sizeMismatch);
    expect(() => net.loadStateDict({ ...sd(), '0.weight': zeros([3, 3]), extra: zeros([1]) }, { strict: false })).toThrow(
      errors.nonStrictMismatch,
    );
    expect(() => net.loadStateDict(missing)).toThrow(RuntimeError);
    expect(JSON.stringify(net.stateDict())).toBe(before);
    const res = net.loadStateDict({ ...missing, extra: zeros([1]) }, { strict: false });
    expect(res).toEqual({ missingKeys: ['0.bias'], unexpectedKeys: ['extra'] });
    expect(net.parameters()[0]!.data[0]).toBe(7);
  });
});

describe('clone', () => {
  it('deep-copies parameters, buffers, gradients and fields', () => {
    const m = new Mlp();
    sum(m.forward(tensor([[1, 2, 3]]))).backward();
    const c = m.clone();
    expect(c).toBeInstanceOf(Mlp);
    expect(c.fc1).not.toBe(m.fc1);
    expect(c.fc1).toBe(c.children()[0]);
    expect(c.scale).toBe(2);
    const [pm, pc] = [m.parameters()[0]!, c.parameters()[0]!];
    expect(pc).not.toBe(pm);
    expect(Array.from(pc.data)).toEqual(Array.from(pm.data));
    expect(Array.from((pc.grad as Tensor).data)).toEqual(Array.from((pm.grad as Tensor).data));
    pc.data[0] = 123;
    expect(pm.data[0]).not.toBe(123);
    expect(Array.from(c.forward(tensor([[0, 0, 0]])).data)).not.toEqual([]);
  });

  it('keeps shared parameters shared and copies buffers', () => {
    const a = new Linear(2, 2);
    const bn = new BatchNorm1d(2);
    const net = new Sequential(a, a, bn);
    const c = net.clone();
    expect(c.at(0)).toBe(c.at(1));
    expect(c.parameters().length).toBe(4);
    expect(c.buffers()[0]).not.toBe(bn.buffers()[0]);
    expect((c.at(2) as BatchNorm1d).runningMean).toBe(c.buffers()[0]);
  });
});

describe('Linear', () => {
  it("initialises inside torch's bounds ±1/√fan_in, reproducibly from a seed", () => {
    const a = new Linear(50, 40, { seed: 9 });
    const b = new Linear(50, 40, { rng: createRng(9) });
    expect(Array.from(a.weight.data)).toEqual(Array.from(b.weight.data));
    const bound = 1 / Math.sqrt(50);
    const w = Array.from(a.weight.data);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    const meanW = w.reduce((s, v) => s + v, 0) / w.length;
    const varW = w.reduce((s, v) => s + v * v, 0) / w.length;
    expect(Math.abs(meanW)).toBeLessThan(0.01);
    expect(varW).toBeCloseTo(bound ** 2 / 3, 3); // U(−b, b) has variance b²/3
    expect(Math.max(...Array.from(a.bias!.data).map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(new Linear(3, 2, { bias: false }).bias).toBeNull();
  });

  it('draws different layers from the package-wide generator, reset by manualSeed', () => {
    manualSeed(5);
    const a = new Linear(4, 4);
    const b = new Linear(4, 4);
    manualSeed(5);
    const c = new Linear(4, 4);
    expect(Array.from(a.weight.data)).not.toEqual(Array.from(b.weight.data));
    expect(Array.from(a.weight.data)).toEqual(Array.from(c.weight.data));
  });

  it("rejects inputs of the wrong width with torch's message", () => {
    expect(() => new Linear(3, 2).forward(zeros([4, 5]))).toThrow('mat1 and mat2 shapes cannot be multiplied (4x5 and 3x2)');
  });
});

describe('BatchNorm1d', () => {
  it('validates inputs as torch', () => {
    const bn = new BatchNorm1d(3);
    expect(() => bn.forward(zeros([2, 3, 4, 5]))).toThrow('expected 2D or 3D input (got 4D input)');
    expect(() => bn.forward(zeros([1, 3]))).toThrow(
      'Expected more than 1 value per channel when training, got input size torch.Size([1, 3])',
    );
    expect(() => bn.forward(zeros([2, 4]))).toThrow('running_mean should contain 4 elements not 3');
  });

  it('counts batches only when training and tracking, and resets', () => {
    const bn = new BatchNorm1d(2);
    bn.forward(
      tensor([
        [1, 2],
        [3, 5],
      ]),
    );
    bn.forward(
      tensor([
        [1, 2],
        [3, 5],
      ]),
    );
    expect(bn.numBatchesTracked!.item()).toBe(2);
    bn.eval();
    bn.forward(
      tensor([
        [1, 2],
        [3, 5],
      ]),
    );
    expect(bn.numBatchesTracked!.item()).toBe(2);
    bn.resetRunningStats();
    expect(bn.numBatchesTracked!.item()).toBe(0);
    expect(Array.from(bn.runningVar!.data)).toEqual([1, 1]);
    const free = new BatchNorm1d(2, { trackRunningStats: false, affine: false });
    expect(free.stateDict()).toEqual({});
    free.eval();
    const y = free.forward(
      tensor([
        [1, 2],
        [3, 6],
      ]),
    );
    expect(Array.from(y.data).map((v) => Math.round(v * 1000) / 1000)).toEqual([-1, -1, 1, 1]);
  });
});

describe('Dropout', () => {
  it('zeroes about p of the elements, scales the rest by 1/(1−p), and is the identity in eval mode', () => {
    const d = new Dropout({ p: 0.3, seed: 1 });
    const x = tensor(new Float32Array(10000).fill(1));
    const y = Array.from(d.forward(x).data);
    const zeros_ = y.filter((v) => v === 0).length;
    expect(zeros_ / y.length).toBeGreaterThan(0.28);
    expect(zeros_ / y.length).toBeLessThan(0.32);
    expect(y.filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
    expect(Array.from(new Dropout({ p: 0.3, seed: 1 }).forward(x).data)).toEqual(y);
    d.eval();
    expect(Array.from(d.forward(x).data).every((v) => v === 1)).toBe(true);
    expect(() => new Dropout({ p: 1.5 })).toThrow('dropout probability has to be between 0 and 1, but got 1.5');
  });
});
