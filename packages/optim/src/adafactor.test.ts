import { CpuBackend, Parameter, SparseTensor, type Tensor, parameter, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { Adafactor, FLOAT32_EPS } from './index.js';

describe('Adafactor', () => {
  it('keeps factored row/column moments for 2+ dimensions and a full one below', () => {
    const scalar = parameter(0.5);
    const vec = parameter([1, 2, 3]);
    const mat = parameter([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const cube = parameter(new Float32Array(24).fill(1), { shape: [2, 3, 4] });
    const params = [scalar, vec, mat, cube];
    const opt = new Adafactor(params);
    scalar.setGrad(1);
    vec.setGrad([1, 1, 1]);
    mat.setGrad([1, 2, 3, 4, 5, 6]);
    cube.setGrad(new Float32Array(24).fill(2));
    opt.step();
    const shapes = params.map((p) =>
      Object.fromEntries(Object.entries(opt.state.get(p)!).map(([k, v]) => [k, typeof v === 'number' ? v : (v as Tensor).shape])),
    );
    expect(shapes).toEqual([
      { step: 1, variance: [] },
      { step: 1, variance: [3] },
      { step: 1, row_var: [2, 1], col_var: [1, 3] },
      { step: 1, row_var: [2, 3, 1], col_var: [2, 1, 4] },
    ]);
    // Step 1: 1 − β̂₂ = 1, so the factors are the row and column means of g².
    const s = opt.state.get(mat)!;
    expect((s.row_var as Tensor).toArray()).toEqual([[14 / 3], [77 / 3]].map((r) => r.map(Math.fround)));
    expect((s.col_var as Tensor).toArray()).toEqual([[17 / 2, 29 / 2, 45 / 2].map(Math.fround)]);
  });

  it('takes eps = [eps1, eps2] as a pair, not as a per-step schedule', () => {
    const p = parameter([1, -1]);
    const opt = new Adafactor([p], { eps: [1e-3, 1e-2] });
    p.setGrad([0.5, 0.5]);
    opt.step();
    expect(opt.paramGroups[0]!.eps).toEqual([1e-3, 1e-2]);
    expect(opt.stateDict().param_groups[0]!.eps).toEqual([1e-3, 1e-2]);
  });

  it('uses float32 machine epsilon for eps1 = null', () => {
    expect(FLOAT32_EPS).toBe(1.1920928955078125e-7);
    const p = parameter([0, 0]);
    const opt = new Adafactor([p], { lr: 1 });
    p.setGrad([0, 0]);
    opt.step();
    expect(Array.from(p.data)).toEqual([0, 0]);
  });

  it('frees its temporaries (row/column means, the update scratch, the RMS values)', () => {
    const backend = new CpuBackend();
    const params = [
      parameter([1, 2], { backend }),
      parameter(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { backend },
      ),
    ];
    const opt = new Adafactor(params, { weightDecay: 0.1 });
    params[0]!.setGrad([0.1, -0.2]);
    params[1]!.setGrad([1, -1, 2, 0.5, 0.25, -3]);
    opt.step();
    const live = backend.memoryStats().liveBlocks;
    for (let i = 0; i < 3; i++) opt.step();
    expect(backend.memoryStats().liveBlocks).toBe(live);
  });

  it("rejects a sparse gradient with torch's message", () => {
    const p = parameter([[1, 2]]);
    const opt = new Adafactor([p]);
    p.grad = new SparseTensor(p.shape, Int32Array.of(0), tensor([[1, 1]]));
    expect(() => opt.step()).toThrow('Adafactor does not support sparse gradients');
  });

  it("validates with current PyTorch's messages", () => {
    const p = parameter([1]);
    expect(() => new Adafactor([p], { d: 0.5 })).toThrow('Clipping threshold d should be >= 1 but is: 0.5');
    expect(() => new Adafactor([p], { eps: [null, -1] })).toThrow('epsilon2 should be >= 0 but is: -1');
    expect(() => new Adafactor([p], { beta2Decay: 0.1 })).toThrow('beta2_decay should be <= 0 but is: 0.1');
  });
});

describe('Adafactor eps is a pair, never a schedule', () => {
  it('two numbers given to the constructor or to a group are the pair [eps1, eps2]', () => {
    const run = (make: (p: Parameter) => Adafactor): number[] => {
      const p = new Parameter(
        tensor([
          [0.5, -1, 2],
          [0.25, 3, -0.75],
        ]),
      );
      const opt = make(p);
      for (let t = 0; t < 3; t++) {
        p.setGrad([
          [0.1, -0.2, 0.3],
          [1, -1, 0.5],
        ]);
        opt.step();
      }
      return Array.from(p.data);
    };
    // eps1 = null means float32's machine epsilon (2^-23), as torch's finfo(float32).eps.
    const byNull = run((p) => new Adafactor([p], { lr: 0.01 }));
    const byCtor = run((p) => new Adafactor([p], { lr: 0.01, eps: [2 ** -23, 1e-3] }));
    const byGroup = run((p) => new Adafactor([{ params: [p], eps: [2 ** -23, 1e-3] }], { lr: 0.01 }));
    expect(byCtor).toEqual(byNull);
    expect(byGroup).toEqual(byNull);
    // eps2 bounds the parameter scale from below: above the parameters' RMS (≈ 1.4) it changes the step.
    const other = run((p) => new Adafactor([p], { lr: 0.01, eps: [2 ** -23, 5] }));
    expect(other).not.toEqual(byNull);
  });
});
