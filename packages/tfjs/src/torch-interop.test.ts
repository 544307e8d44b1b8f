import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { AdamW } from '@tsoptim/optim';
import { describe, expect, it } from 'vitest';
import { TsoptimOptimizer } from './index.js';
import { useTfjsBackend } from './internal/test-backends.js';

await useTfjsBackend('cpu');

const converterDir = fileURLToPath(new URL('../../optim/python/', import.meta.url));
const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch && process.env.TSOPTIM_REQUIRE_TORCH) {
  throw new Error('TSOPTIM_REQUIRE_TORCH is set but /usr/bin/python3 cannot import torch');
}

/** torch's side: loads the adapter's state dict into torch.optim.AdamW over the same values, takes the steps. */
const TORCH_CONTINUES = `
import json, sys, torch
sys.path.insert(0, ${JSON.stringify(converterDir)})
from torch_state_dict import import_state_dict
d = json.load(sys.stdin)
params = [torch.nn.Parameter(torch.tensor(v, dtype=torch.float32)) for v in d["values"]]
sd = d["state_dict"]
opt = torch.optim.AdamW([{"params": [params[i] for i in g["params"]]} for g in sd["param_groups"]])
opt.load_state_dict(import_state_dict(sd, opt))
for step in d["grads"]:
    for p, g in zip(params, step):
        p.grad = torch.tensor(g, dtype=torch.float32).reshape(p.shape)
    opt.step()
print(json.dumps({"values": [p.detach().double().tolist() for p in params], "names": [g.get("param_names") for g in opt.param_groups]}))
`;

describe.skipIf(!hasTorch)('a checkpoint moves from a tfjs model into torch', () => {
  it("torch.optim.AdamW loads the adapter's state dict (two groups, variable names) and continues as the adapter does", async () => {
    const kernel = tf.variable(tf.tensor2d([0.5, -1, 0.25, 2, -0.75, 1.5], [3, 2]), true, 'interop/dense/kernel');
    const bias = tf.variable(tf.tensor1d([0.1, -0.2]), true, 'interop/dense/bias');
    const vars = [kernel, bias];
    const adapter = new TsoptimOptimizer((p) => new AdamW(p, { lr: 0.05, weightDecay: 0.1, amsgrad: true }), {
      groups: [[['bias$'], { weightDecay: 0 }]],
    }).bind(vars);
    const grad = (s: number, v: tf.Variable) => Array.from({ length: v.size }, (_, j) => Math.fround(Math.sin(1 + 5 * s + 3 * j + v.size)));
    const apply = (s: number) => {
      const g = Object.fromEntries(vars.map((v) => [v.name, tf.tensor(grad(s, v), v.shape)]));
      adapter.applyGradients(g);
      tf.dispose(Object.values(g));
    };
    for (let s = 0; s < 4; s++) apply(s);
    // The checkpoint: torch's layout (parameters numbered across groups; the bias group first).
    const sd = JSON.parse(JSON.stringify(adapter.stateDict()));
    const names: string[] = sd.param_groups.flatMap((g: { param_names: string[] }) => g.param_names);
    expect(sd.param_groups.flatMap((g: { params: number[] }) => g.params)).toEqual([0, 1]);
    const order = [0, 1];
    const byIndex = (i: number) => vars.find((v) => v.name === names[i])!;
    const values = order.map((i) => byIndex(i).arraySync());
    const grads = [4, 5, 6].map((s) => order.map((i) => grad(s, byIndex(i))));
    for (let s = 4; s < 7; s++) apply(s);
    const res = spawnSync('/usr/bin/python3', ['-c', TORCH_CONTINUES], {
      input: JSON.stringify({ state_dict: sd, values: values, grads }),
      encoding: 'utf8',
    });
    expect(res.stderr).toBe('');
    const torch = JSON.parse(res.stdout) as { values: (number | number[])[][]; names: string[][] };
    expect(torch.names).toEqual([['interop/dense/bias'], ['interop/dense/kernel']]);
    for (const i of order) {
      const ours = Array.from(await byIndex(i).data());
      const theirs = torch.values[i]!.flat();
      ours.forEach((v, j) =>
        expect(Math.abs(v - theirs[j]!), `parameter ${i}, element ${j}`).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(v)),
      );
    }
    adapter.dispose();
    tf.dispose(vars);
  });
});
