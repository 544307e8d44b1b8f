import { spawnSync } from 'node:child_process';
import { CpuBackend, type Parameter, SparseTensor, parameter, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { LBFGS, cubicInterpolate } from './index.js';

/** f(x) = Σ cᵢ (xᵢ − 1)² + (x₀x₁)² over the flattened parameters, with its gradient. */
function makeClosure(params: Parameter[], opt: LBFGS, sparse = false): () => number {
  return () => {
    opt.zeroGrad({ setToNone: false });
    const xs = params.flatMap((p) => Array.from(p.data));
    let loss = 0;
    const g = xs.map((x, i) => {
      const c = 1 + i;
      loss += c * (x - 1) ** 2;
      return 2 * c * (x - 1);
    });
    loss += (xs[0]! * xs[1]!) ** 2;
    g[0] = g[0]! + 2 * xs[0]! * xs[1]! ** 2;
    g[1] = g[1]! + 2 * xs[1]! * xs[0]! ** 2;
    let off = 0;
    for (const p of params) {
      const part = g.slice(off, off + p.size);
      off += p.size;
      if (sparse && p.ndim > 0) {
        const rows = p.shape[0]!;
        p.grad = new SparseTensor(
          p.shape,
          Int32Array.from({ length: rows }, (_, r) => r),
          tensor(part, { shape: p.shape }),
        );
      } else {
        p.setGrad(part);
      }
    }
    return loss;
  };
}

function problem(): Parameter[] {
  return [
    parameter(0.5),
    parameter([-1, 2]),
    parameter([
      [0.3, -0.2],
      [1.5, 0],
    ]),
  ];
}

describe('LBFGS', () => {
  it("has torch's defaults, with max_eval = ⌊max_iter·5/4⌋", () => {
    const opt = new LBFGS([parameter([1, 2])]);
    expect(opt.stateDict().param_groups).toEqual([
      {
        lr: 1,
        max_iter: 20,
        max_eval: 25,
        tolerance_grad: 1e-7,
        tolerance_change: 1e-9,
        history_size: 100,
        line_search_fn: null,
        params: [0],
      },
    ]);
    expect(new LBFGS([parameter([1])], { maxIter: 7 }).paramGroups[0]!.maxEval).toBe(8);
  });

  it("has one parameter group, as torch's", () => {
    const msg = "LBFGS doesn't support per-parameter options (parameter groups)";
    expect(() => new LBFGS([{ params: [parameter([1])] }, { params: [parameter([2])] }])).toThrow(msg);
    const opt = new LBFGS([{ params: [parameter([1])], lr: 0.5 }]);
    expect(() => opt.addParamGroup({ params: [parameter([2])] })).toThrow(msg);
    expect(() => new LBFGS([parameter([1])], { lr: -1 })).toThrow('Invalid learning rate: -1');
  });

  it('needs a closure, and rejects another line search before evaluating anything', () => {
    const params = problem();
    expect(() => new LBFGS(params, { lineSearchFn: 'backtracking' as 'strong_wolfe' })).toThrow(
      "LBFGS: option `lineSearchFn` must be one of 'strong_wolfe', null, got 'backtracking'",
    );
    // A group edited after construction is still refused at the step, before anything is evaluated.
    const bad = new LBFGS(params);
    (bad.paramGroups[0] as { lineSearchFn: unknown }).lineSearchFn = 'backtracking';
    let calls = 0;
    expect(() => bad.step(() => ++calls)).toThrow("only 'strong_wolfe' is supported");
    expect(calls).toBe(0);
    expect(bad.state.size).toBe(0);
    expect(() => new LBFGS(params).step()).toThrow('closure');
  });

  it('keeps its whole state under the first parameter, in torch layout', () => {
    const params = problem();
    const opt = new LBFGS(params, { maxIter: 3, historySize: 2 });
    const closure = makeClosure(params, opt);
    for (let i = 0; i < 3; i++) opt.step(closure);
    const sd = JSON.parse(JSON.stringify(opt.stateDict()));
    expect(Object.keys(sd.state)).toEqual(['0']);
    const st = sd.state['0'];
    expect(Object.keys(st).sort()).toEqual(
      ['H_diag', 'al', 'd', 'func_evals', 'n_iter', 'old_dirs', 'old_stps', 'prev_flat_grad', 'prev_loss', 'ro', 't'].sort(),
    );
    expect(st.d).toHaveLength(7);
    expect(st.prev_flat_grad).toHaveLength(7);
    expect(st.old_dirs.length).toBeLessThanOrEqual(2);
    expect(st.ro).toHaveLength(st.old_dirs.length);
    expect(st.al).toHaveLength(2);
    // max_eval = ⌊3·5/4⌋ = 3: two iterations per step.
    expect(st.n_iter).toBe(6);
  });

  it('minimises Rosenbrock with the strong Wolfe line search', () => {
    const x = parameter([-1.5, 2]);
    const opt = new LBFGS([x], { lineSearchFn: 'strong_wolfe' });
    const closure = () => {
      const [a, b] = Array.from(x.data) as [number, number];
      x.setGrad([-400 * a * (b - a * a) - 2 * (1 - a), 200 * (b - a * a)]);
      return 100 * (b - a * a) ** 2 + (1 - a) ** 2;
    };
    for (let i = 0; i < 5; i++) opt.step(closure);
    expect(x.data[0]).toBeCloseTo(1, 3);
    expect(x.data[1]).toBeCloseTo(1, 3);
  });

  it('densifies sparse gradients (torch: to_dense)', () => {
    const a = problem();
    const b = problem();
    const optA = new LBFGS(a, { maxIter: 4, lineSearchFn: 'strong_wolfe' });
    const optB = new LBFGS(b, { maxIter: 4, lineSearchFn: 'strong_wolfe' });
    optA.step(makeClosure(a, optA));
    optB.step(makeClosure(b, optB, true));
    expect(b.map((p) => Array.from(p.data))).toEqual(a.map((p) => Array.from(p.data)));
  });

  it('frees every temporary: live storage stays flat once the history is full', () => {
    const backend = new CpuBackend();
    const params = [
      parameter([0.5, -1], { backend }),
      parameter(
        [
          [0.3, -0.2],
          [1.5, 0],
        ],
        { backend },
      ),
    ];
    const opt = new LBFGS(params, { maxIter: 4, historySize: 2, lineSearchFn: 'strong_wolfe' });
    const closure = makeClosure(params, opt);
    for (let i = 0; i < 3; i++) opt.step(closure);
    const live = backend.memoryStats().liveBlocks;
    for (let i = 0; i < 5; i++) opt.step(closure);
    expect(backend.memoryStats().liveBlocks).toBe(live);
  });

  it("interpolates as torch's _cubic_interpolate", () => {
    // Values of torch.optim.lbfgs._cubic_interpolate (float64 tensors for the derivatives).
    expect(cubicInterpolate(0, 1, -2, 1, 0.5, 1)).toBeCloseTo(0.6666666666666667, 14);
    expect(cubicInterpolate(0, 1, -2, 1, 0.5, 1, [0.2, 0.3])).toBe(0.3);
    expect(cubicInterpolate(0, 0, 1, 1, 0, 1)).toBeCloseTo(0.7886751345948129, 14);
    expect(cubicInterpolate(2, 1, 3, 0.5, 0.2, -1)).toBeCloseTo(1.130877973283813, 14);
    // No real minimiser: the middle of the bounds.
    expect(cubicInterpolate(0, 0, 1, 1, 2 / 3, 1)).toBe(0.5);
  });
});

const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

/** Loads a tsoptim LBFGS state dict into torch, takes one more step on the same problem, prints the parameters. */
const TORCH_RESUME = `
import json, sys, torch
data = json.load(sys.stdin)
shapes = [[], [2], [2, 2]]
params = [torch.nn.Parameter(torch.tensor(v, dtype=torch.float32).reshape(s)) for v, s in zip(data["values"], shapes)]
sd = data["state_dict"]
st = {}
for k, v in sd["state"]["0"].items():
    if k in ("d", "prev_flat_grad", "H_diag"): st[k] = torch.tensor(v, dtype=torch.float32)
    elif k in ("old_dirs", "old_stps", "ro"): st[k] = [torch.tensor(x, dtype=torch.float32) for x in v]
    elif k == "al": st[k] = [None if x is None else torch.tensor(x, dtype=torch.float32) for x in v]
    else: st[k] = v
opt = torch.optim.LBFGS(params)
opt.load_state_dict({"state": {0: st}, "param_groups": sd["param_groups"]})
def closure():
    opt.zero_grad()
    x = torch.cat([p.reshape(-1) for p in params])
    c = torch.arange(1, x.numel() + 1, dtype=torch.float32)
    loss = (c * (x - 1) ** 2).sum() + (x[0] * x[1]) ** 2
    loss.backward()
    return loss
opt.step(closure)
print(json.dumps({"values": [p.detach().reshape(-1).tolist() for p in params], "n_iter": opt.state[params[0]]["n_iter"]}))
`;

describe.skipIf(!hasTorch)('LBFGS state dicts in torch', () => {
  it('torch 1.13 resumes from our state dict as we do', () => {
    const params = problem();
    const opt = new LBFGS(params, { maxIter: 2, historySize: 3, lineSearchFn: 'strong_wolfe' });
    const closure = makeClosure(params, opt);
    for (let i = 0; i < 3; i++) opt.step(closure);
    const input = JSON.stringify({ values: params.map((p) => Array.from(p.data)), state_dict: opt.stateDict() });
    opt.step(closure);
    const res = spawnSync('/usr/bin/python3', ['-c', TORCH_RESUME], { input, encoding: 'utf8' });
    expect(res.stderr).toBe('');
    const torchOut = JSON.parse(res.stdout) as { values: number[][]; n_iter: number };
    expect(torchOut.n_iter).toBe(opt.state.get(params[0]!)!.n_iter);
    torchOut.values.forEach((v, i) => v.forEach((x, j) => expect(params[i]!.data[j]).toBeCloseTo(x, 5)));
  });
});
