import type { Tensor } from '@tsoptim/core';
import { SGD } from '@tsoptim/optim';
import { describe, expect, it } from 'vitest';
import { BatchNorm1d, Linear, ReLU, Sequential, Tanh, crossEntropy, noGrad } from './index.js';
import { type FixtureTensor, assertClose, fromFixture, loadFixture } from './internal/testing.js';

interface Step {
  loss: number;
  logits: FixtureTensor;
  grads: Record<string, FixtureTensor>;
  stateAfter: Record<string, FixtureTensor>;
}
interface NetworkFixture {
  source: string;
  keys: string[];
  initialState: Record<string, FixtureTensor>;
  input: FixtureTensor;
  target: number[];
  steps: Step[];
  evalLogits: FixtureTensor;
}

const fx = loadFixture<NetworkFixture>('nn', 'network');
const RTOL = 1e-5;
const ATOL = 1e-6;

function build(): Sequential {
  const net = new Sequential(new Linear(6, 8), new BatchNorm1d(8), new ReLU(), new Linear(8, 5), new Tanh(), new Linear(5, 3));
  net.loadStateDict(Object.fromEntries(Object.entries(fx.initialState).map(([k, v]) => [k, fromFixture(v)])));
  return net;
}

describe(`a small network against torch (${fx.source})`, () => {
  it("has torch's state-dict keys, in torch's order", () => {
    expect(Object.keys(build().stateDict())).toEqual(fx.keys);
  });

  it('matches forward, loss, every gradient and three SGD(momentum) steps', () => {
    const net = build();
    const x = fromFixture(fx.input);
    const opt = new SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    for (const [i, step] of fx.steps.entries()) {
      opt.zeroGrad();
      const logits = net.forward(x);
      assertClose(`step ${i} logits`, logits.data, step.logits.data, RTOL, ATOL);
      const loss = crossEntropy(logits, fx.target);
      assertClose(`step ${i} loss`, [loss.item()], [step.loss], RTOL, ATOL);
      loss.backward();
      for (const [name, p] of net.namedParameters()) {
        assertClose(`step ${i} ∂${name}`, (p.grad as Tensor).data, step.grads[name]!.data, RTOL, ATOL);
      }
      opt.step();
      const state = net.stateDict();
      for (const [k, v] of Object.entries(step.stateAfter)) assertClose(`step ${i} ${k}`, state[k]!.data, v.data, RTOL, ATOL);
    }
    net.eval();
    const out = noGrad(() => net.forward(x));
    expect(out.requiresGrad).toBe(false);
    assertClose('eval logits', out.data, fx.evalLogits.data, RTOL, ATOL);
  });
});

interface CmaFixture {
  batches: { input: FixtureTensor; output: FixtureTensor; state: Record<string, FixtureTensor> }[];
  evalInput: FixtureTensor;
  evalOutput: FixtureTensor;
}

describe('BatchNorm1d with momentum null against torch', () => {
  it('keeps a cumulative moving average of the batch statistics', () => {
    const f = loadFixture<CmaFixture>('nn', 'batchnorm_cma');
    const bn = new BatchNorm1d(3, { momentum: null });
    for (const [i, b] of f.batches.entries()) {
      const y = bn.forward(fromFixture(b.input));
      assertClose(`batch ${i} output`, y.data, b.output.data);
      const sd = bn.stateDict();
      for (const [k, v] of Object.entries(b.state)) assertClose(`batch ${i} ${k}`, sd[k]!.data, v.data);
    }
    bn.eval();
    assertClose('eval output', bn.forward(fromFixture(f.evalInput)).data, f.evalOutput.data);
  });
});
