import { type Backend, parameter, tensor } from '@tsoptim/core';
import { type TrajectoryCase, type TrajectoryInfo, loadFixture } from '@tsoptim/testkit';
import { HuggingfaceAdamW, type HuggingfaceAdamWOptions, keyedOptimizer, thincOptimizerFromConfig } from '../src/index.js';
import type { ThincCase } from './thinc-testing.js';

interface HfFixture {
  shapes: number[][];
  params: number[][];
  grads: number[][][];
  cases: { name: string; options?: Record<string, unknown>; groups?: Record<string, unknown>[]; steps: { params: number[][] }[] }[];
}

function camel(o: Record<string, unknown>): HuggingfaceAdamWOptions {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]));
}

const hf = loadFixture<HfFixture>('registry', 'huggingface_adamw');
const hfCases: TrajectoryCase[] = hf.cases.map((c) => ({
  name: `huggingface_adamw ${c.name}`,
  steps: c.steps.length,
  tolerance: { atol: 1e-7, rtol: 1e-5 },
  start: (backend: Backend) => {
    const ps = hf.params.map((p, i) => parameter(p, { shape: hf.shapes[i]!, backend }));
    const opt =
      c.groups === undefined
        ? new HuggingfaceAdamW(ps, camel(c.options ?? {}))
        : new HuggingfaceAdamW(c.groups.map((g, i) => ({ ...camel(g), params: [ps[i]!] })));
    return {
      tensors: ps,
      step: (t: number) => {
        ps.forEach((p, i) => p.setGrad(hf.grads[t]![i]!));
        opt.step();
      },
    };
  },
  expected: (t) => c.steps[t]!.params,
}));

const NAMES: Record<string, string> = {
  learn_rate: 'learnRate',
  L2: 'l2',
  beta1: 'beta1',
  beta2: 'beta2',
  eps: 'eps',
  grad_clip: 'gradClip',
  L2_is_weight_decay: 'l2IsWeightDecay',
  use_averages: 'useAverages',
  use_radam: 'useRadam',
};

const thinc = loadFixture<{ cases: ThincCase[] }>('registry', 'thinc_optimizer');
const thincCases: TrajectoryCase[] = thinc.cases.map((c) => ({
  name: `thinc ${c.name}`,
  steps: c.steps.length,
  tolerance: { atol: 1e-6, rtol: 2e-5 },
  start: (backend: Backend) => {
    const opt =
      c.config !== undefined
        ? thincOptimizerFromConfig(c.config)
        : keyedOptimizer(Object.fromEntries(Object.entries(c.options).map(([k, v]) => [NAMES[k]!, v])) as never);
    const ws = c.weights.map((w, i) => tensor(w, { shape: c.shapes[i]!, backend }));
    return {
      tensors: ws,
      step: (t: number) => {
        const step = c.steps[t]!;
        step.grads.forEach((g, i) => opt(`p${i}`, ws[i]!, tensor(g, { shape: c.shapes[i]!, backend }), { lrScale: step.lr_scale[i]! }));
        opt.stepSchedules();
      },
    };
  },
  expected: (t) => c.steps[t]!.weights,
}));

/**
 * transformers' AdamW and thinc's rules against their float64 references (tooling/fixtures/gen_thinc.py), as
 * trajectories: the table each backend's conformance run goes through (`@tsoptim/registry/conformance-table`).
 */
export const registryTable: readonly TrajectoryInfo[] = [
  { name: 'HuggingfaceAdamW', cases: hfCases },
  { name: 'ThincOptimizer', cases: thincCases },
];
