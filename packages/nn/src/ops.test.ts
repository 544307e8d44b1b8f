import type { Parameter, Tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import {
  type Variable,
  add,
  batchNorm,
  crossEntropy,
  div,
  exp,
  gatherRows,
  linear,
  log,
  logSoftmax,
  matmul,
  mean,
  mseLoss,
  mul,
  neg,
  nllLoss,
  relu,
  reshape,
  sigmoid,
  softmax,
  sub,
  sum,
  tanh,
  transpose,
} from './index.js';
import { type FixtureTensor, assertClose, fromFixture, loadFixture, paramFromFixture } from './internal/testing.js';

interface OpCase {
  name: string;
  op: string;
  args: Record<string, unknown>;
  intArgs: Record<string, number[]>;
  inputs: Record<string, FixtureTensor>;
  gradOut: FixtureTensor;
  output: FixtureTensor;
  grads: Record<string, FixtureTensor>;
  runningMean?: FixtureTensor;
  runningVar?: FixtureTensor;
}

type T = Record<string, Tensor>;
const A = <O>(c: OpCase): O => c.args as O;

const ops: Record<string, (t: T, c: OpCase) => Variable> = {
  add: (t) => add(t.a!, t.b!),
  sub: (t) => sub(t.a!, t.b!),
  mul: (t) => mul(t.a!, t.b!),
  div: (t) => div(t.a!, t.b!),
  matmul: (t) => matmul(t.a!, t.b!),
  linear: (t) => linear(t.x!, t.w!, t.b ?? null),
  sum: (t, c) => sum(t.x!, A(c)),
  mean: (t, c) => mean(t.x!, A(c)),
  relu: (t) => relu(t.x!),
  tanh: (t) => tanh(t.x!),
  sigmoid: (t) => sigmoid(t.x!),
  exp: (t) => exp(t.x!),
  log: (t) => log(t.x!),
  neg: (t) => neg(t.x!),
  softmax: (t, c) => softmax(t.x!, c.args.dim as number),
  logSoftmax: (t, c) => logSoftmax(t.x!, c.args.dim as number),
  reshape: (t, c) => reshape(t.x!, c.args.shape as number[]),
  transpose: (t, c) => transpose(t.x!, c.args.dim0 as number, c.args.dim1 as number),
  gatherRows: (t, c) => gatherRows(t.x!, c.intArgs.indices!),
  mseLoss: (t, c) => mseLoss(t.x!, t.y!, A(c)),
  crossEntropy: (t, c) => crossEntropy(t.x!, c.intArgs.target!, { ...A<object>(c), weight: t.weight ?? null }),
  nllLoss: (t, c) => nllLoss(t.x!, c.intArgs.target!, { ...A<object>(c), weight: t.weight ?? null }),
  batchNorm: (t, c) => batchNorm(t.x!, t.rm!, t.rv!, t.w ?? null, t.b ?? null, A(c)),
};

const fixture = loadFixture<{ source: string; cases: OpCase[] }>('nn', 'ops');

describe(`operations against torch (${fixture.source})`, () => {
  for (const c of fixture.cases) {
    it(`${c.name}: forward and backward`, () => {
      const t: T = {};
      for (const [k, v] of Object.entries(c.inputs)) t[k] = k in c.grads ? paramFromFixture(v) : fromFixture(v);
      const out = ops[c.op]!(t, c);
      expect(out.shape).toEqual(c.output.shape);
      assertClose(`${c.name} output`, out.data, c.output.data);
      out.backward({ gradient: fromFixture(c.gradOut) });
      for (const [k, g] of Object.entries(c.grads)) {
        const p = t[k] as Parameter;
        expect(p.grad, `${c.name} ∂${k}`).not.toBeNull();
        expect(p.grad!.shape).toEqual(g.shape);
        assertClose(`${c.name} ∂${k}`, (p.grad as Tensor).data, g.data);
      }
      if (c.runningMean) assertClose(`${c.name} running_mean`, t.rm!.data, c.runningMean.data);
      if (c.runningVar) assertClose(`${c.name} running_var`, t.rv!.data, c.runningVar.data);
    });
  }
});
