import { type Parameter, ValueError, parameter } from '@tsoptim/core';
import { type Input, Module, type Variable, variable } from '@tsoptim/nn';
import { describe, expect, it } from 'vitest';
import { type AveragedModelOptions, AveragedModel, getEmaAvgFn, getEmaMultiAvgFn, getSwaAvgFn, getSwaMultiAvgFn } from './index.js';
import { assertClose, loadFixture } from './internal/testing.js';

interface RefCase {
  name: string;
  decay: number | null;
  shapes: number[][];
  snapshots: number[][][];
  after: number[][][];
}
const fx = loadFixture<{ source: string; cases: RefCase[] }>('multi_avg_fn');

class Holder extends Module {
  constructor(shapes: number[][]) {
    super();
    shapes.forEach((s, i) => this.registerParameter(`p${i}`, parameter(new Float32Array(s.reduce((a, b) => a * b, 1)), { shape: s })));
  }
  forward(x: Input): Variable {
    return variable(x as never);
  }
}

describe(`averaging functions against an independent float64 reference (${fx.source.slice(0, 60)}...)`, () => {
  for (const c of fx.cases) {
    const variants: [string, AveragedModelOptions][] =
      c.decay === null
        ? [
            ['default', {}],
            ['getSwaMultiAvgFn', { multiAvgFn: getSwaMultiAvgFn() }],
            ['getSwaAvgFn', { avgFn: getSwaAvgFn() }],
          ]
        : [
            ['getEmaMultiAvgFn', { multiAvgFn: getEmaMultiAvgFn(c.decay) }],
            ['getEmaAvgFn', { avgFn: getEmaAvgFn(c.decay) }],
          ];
    for (const [label, options] of variants) {
      it(`${c.name} via ${label}`, () => {
        const model = new Holder(c.shapes);
        const avg = new AveragedModel(model, options);
        c.snapshots.forEach((snap, i) => {
          model.parameters().forEach((p: Parameter, j) => p.assign(Float32Array.from(snap[j]!)));
          avg.updateParameters(model);
          avg.parameters().forEach((p, j) => assertClose(`${label} update ${i} p${j}`, p.data, c.after[i]![j]!));
        });
      });
    }
  }

  it('validates decay', () => {
    expect(() => getEmaMultiAvgFn(1.5)).toThrow(ValueError);
    expect(() => getEmaAvgFn(-0.1)).toThrow('Invalid decay value -0.1 provided. Please provide a value in [0,1] range.');
    expect(() => getEmaMultiAvgFn(Number.NaN)).toThrow(ValueError);
  });
});
