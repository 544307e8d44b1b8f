import type { Parameter, Tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import {
  BatchNorm2d,
  Conv2d,
  Flatten,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
  type Variable,
  batchNorm,
  conv2d,
  crossEntropy,
  maxPool2d,
  reshape,
} from './index.js';
import { type FixtureTensor, assertClose, fromFixture, loadFixture, paramFromFixture } from './internal/testing.js';

interface OpCase {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: Record<string, FixtureTensor>;
  gradOut: FixtureTensor;
  output: FixtureTensor;
  grads: Record<string, FixtureTensor>;
  runningMean?: FixtureTensor;
  runningVar?: FixtureTensor;
}
interface Fixture {
  source: string;
  cases: OpCase[];
  network: {
    init: Record<string, FixtureTensor>;
    x: FixtureTensor;
    y: number[];
    loss: number;
    logits: FixtureTensor;
    grads: Record<string, FixtureTensor>;
    stateAfterForward: Record<string, FixtureTensor>;
  };
}

type T = Record<string, Tensor>;
const pairOf = (x: unknown) => x as [number, number];
const OPS: Record<string, (t: T, c: OpCase) => Variable> = {
  conv2d: (t, c) => conv2d(t.x!, t.w!, t.b ?? null, { stride: pairOf(c.args.stride), padding: pairOf(c.args.padding) }),
  maxPool2d: (t, c) => maxPool2d(t.x!, pairOf(c.args.kernelSize), { stride: pairOf(c.args.stride) }),
  batchNorm2d: (t, c) => {
    const [n, ch, h, w] = t.x!.shape as [number, number, number, number];
    const y = batchNorm(reshape(t.x!, [n, ch, h * w]), t.rm!, t.rv!, t.w!, t.b!, {
      training: true,
      momentum: c.args.momentum as number,
      eps: c.args.eps as number,
    });
    return reshape(y, [n, ch, h, w]);
  },
};

const fx = loadFixture<Fixture>('nn', 'cnn');

describe(`convolution layers against torch (${fx.source})`, () => {
  for (const c of fx.cases) {
    it(`${c.name}: forward and backward`, () => {
      const t: T = {};
      for (const [k, v] of Object.entries(c.inputs)) t[k] = k in c.grads ? paramFromFixture(v) : fromFixture(v);
      const out = OPS[c.op]!(t, c);
      expect(out.shape).toEqual(c.output.shape);
      assertClose(`${c.name} output`, out.data, c.output.data, 1e-5, 1e-5);
      out.backward({ gradient: fromFixture(c.gradOut) });
      for (const [k, g] of Object.entries(c.grads)) {
        const p = t[k] as Parameter;
        expect(p.grad!.shape).toEqual(g.shape);
        assertClose(`${c.name} ∂${k}`, (p.grad as Tensor).data, g.data, 1e-5, 1e-5);
      }
      if (c.runningMean) assertClose(`${c.name} running_mean`, t.rm!.data, c.runningMean.data);
      if (c.runningVar) assertClose(`${c.name} running_var`, t.rv!.data, c.runningVar.data);
    });
  }

  it('a LeNet-style network: logits, loss, every gradient and the BatchNorm2d buffers match torch', () => {
    const net = new Sequential(
      new Conv2d(1, 4, 3, { padding: 1 }),
      new BatchNorm2d(4),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(4, 6, 3),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Linear(6, 3),
    );
    const n = fx.network;
    net.loadStateDict(Object.fromEntries(Object.entries(n.init).map(([k, v]) => [k, fromFixture(v)])));
    const logits = net.forward(fromFixture(n.x));
    assertClose('logits', logits.data, n.logits.data, 1e-4, 1e-5);
    const loss = crossEntropy(logits, n.y);
    expect(loss.item()).toBeCloseTo(n.loss, 5);
    loss.backward();
    const params = Object.fromEntries(net.namedParameters());
    for (const [k, g] of Object.entries(n.grads)) assertClose(`∂${k}`, (params[k]!.grad as Tensor).data, g.data, 1e-4, 1e-5);
    const sd = net.stateDict();
    for (const [k, v] of Object.entries(n.stateAfterForward)) assertClose(k, sd[k]!.data, v.data, 1e-5, 1e-6);
  });

  it('rejects mismatched channels with torch’s message', () => {
    const x = fromFixture({ shape: [1, 2, 4, 4], data: new Array(32).fill(0) });
    const w = fromFixture({ shape: [3, 1, 3, 3], data: new Array(27).fill(0) });
    expect(() => conv2d(x, w)).toThrow(
      'Given groups=1, weight of size [3, 1, 3, 3], expected input[1, 2, 4, 4] to have 1 channels, but got 2 channels instead',
    );
  });
});
