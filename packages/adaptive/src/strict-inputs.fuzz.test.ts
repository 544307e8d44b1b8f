/**
 * Seeded fuzz of bad inputs for labml's family: constructor options, groups, addParamGroup and mutated state
 * dicts. Each must raise a tsoptim error naming the option or key and change nothing.
 */
import { Parameter, tensor } from '@tsoptim/core';
import type { Optimizer, StateDict } from '@tsoptim/optim';
import { expectRejectedUnchanged } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import { AMSGrad, AdaBelief, AdamWarmup, AdamWarmupCosineDecay, LabmlAdam, LabmlRAdam, Noam } from './index.js';

const classes: [string, (p: unknown, o?: unknown) => Optimizer, string[]][] = [
  ['LabmlAdam', (p, o) => new LabmlAdam(p as never, o as never) as unknown as Optimizer, []],
  ['AMSGrad', (p, o) => new AMSGrad(p as never, o as never) as unknown as Optimizer, ['amsgrad']],
  ['LabmlRAdam', (p, o) => new LabmlRAdam(p as never, o as never) as unknown as Optimizer, ['amsgrad']],
  ['AdaBelief', (p, o) => new AdaBelief(p as never, o as never) as unknown as Optimizer, ['amsgrad']],
  ['AdamWarmup', (p, o) => new AdamWarmup(p as never, o as never) as unknown as Optimizer, ['amsgrad', 'warmup']],
  ['Noam', (p, o) => new Noam(p as never, o as never) as unknown as Optimizer, ['amsgrad', 'warmup']],
  [
    'AdamWarmupCosineDecay',
    (p, o) => new AdamWarmupCosineDecay(p as never, o as never) as unknown as Optimizer,
    ['amsgrad', 'warmup', 'totalSteps'],
  ],
];
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const WORDS: Record<string, string[]> = { lr: ['learning rate'], eps: ['epsilon'], betas: ['beta'] };
const namesOf = (k: string) => [k, snake(k), ...(WORDS[k] ?? [])];
const BAD: Record<string, unknown[]> = {
  lr: ['fast', '0.1', null, {}, tensor([0.1]), -1, Number.NaN, [0.1]],
  eps: ['tiny', null, -1e-8, Number.NaN, {}],
  betas: ['fast', null, [0.9], [0.9, 'x'], [1, 0.999], [0.9, 1.5], 0.9, [tensor([0.9]), 0.99]],
  amsgrad: ['yes', 1, [true]],
  warmup: ['long', -4, null],
  totalSteps: ['many', -1, null],
};
const params = () => [
  new Parameter(
    tensor([
      [1, -2],
      [0.5, 3],
    ]),
  ),
  new Parameter(tensor([0.5, -0.5])),
];
const snapshot = (opt: Optimizer | null, ps: Parameter[]) =>
  JSON.stringify({ v: ps.map((p) => [...p.data]), sd: opt?.stateDict(), n: opt?.paramGroups.length });

describe('strict inputs: labml family', () => {
  it('rejects every bad input with a tsoptim error naming it, and changes nothing', () => {
    let total = 0;
    const check = (what: string, names: string[], opt: Optimizer | null, ps: Parameter[], run: () => void) => {
      total++;
      expectRejectedUnchanged({ what, names, run, snapshot: () => snapshot(opt, ps) });
    };
    for (const [name, make, extra] of classes) {
      const keys = ['lr', 'eps', 'betas', ...extra];
      for (const key of keys) {
        for (const v of BAD[key]!) {
          const ps = params();
          check(`new ${name}({ ${key}: ${String(v)} })`, namesOf(key), null, ps, () => make(ps, { [key]: v }));
          check(`new ${name}([{ ${key}: ${String(v)} }])`, namesOf(key), null, ps, () => make([{ params: ps, [key]: v }]));
          const opt = make(params());
          const more = new Parameter(tensor([1, 0]));
          check(`${name}.addParamGroup({ ${key} })`, namesOf(key), opt, [more], () =>
            opt.addParamGroup({ params: [more], [key]: v } as never),
          );
        }
      }
      for (const typo of ['lrr', 'weight_decay', 'optimized_update', 'epsilon', 'betas1', 'amsgard', '__proto__']) {
        const ps = params();
        const o = JSON.parse(`{"${typo}": 0.1}`);
        check(`new ${name}({ ${typo} })`, [typo], null, ps, () => make(ps, o));
        const opt = make(params());
        const more = new Parameter(tensor([1, 0]));
        check(`${name}.addParamGroup({ ${typo} })`, [typo], opt, [more], () => opt.addParamGroup({ params: [more], ...o } as never));
      }
      const ps = params();
      const opt = make(ps);
      for (let s = 0; s < 2; s++) {
        for (const p of ps) p.setGrad(Float32Array.from(p.data, (x) => 0.1 * x + 0.01));
        opt.step();
      }
      const sd = opt.stateDict();
      const clone = () => JSON.parse(JSON.stringify(sd)) as StateDict;
      for (const key of Object.keys(sd.state['0']!)) {
        for (const v of key === 'step' ? ['3', -1, 1.5, null, {}] : [null, 'x', {}]) {
          const m = clone();
          (m.state['0'] as Record<string, unknown>)[key] = v;
          check(`${name} state '${key}' = ${String(v)}`, [key], opt, ps, () => opt.loadStateDict(m));
        }
        const m = clone();
        delete (m.state['0'] as Record<string, unknown>)[key];
        if (key !== 'max_exp_avg_sq') check(`${name} state without '${key}'`, [key], opt, ps, () => opt.loadStateDict(m));
      }
      for (const [key, v] of [
        ['lr', 'fast'],
        ['lr', null],
        ['eps', -1],
        ['betas', [2, 0.9]],
        ['lrr', 0.1],
      ] as const) {
        const m = clone();
        (m.param_groups[0] as Record<string, unknown>)[key] = v;
        check(`${name} group '${key}' = ${JSON.stringify(v)}`, namesOf(key), opt, ps, () => opt.loadStateDict(m));
      }
    }
    expect(total).toBeGreaterThanOrEqual(500);
    console.log(`strict-inputs fuzz (adaptive): ${total} bad inputs`);
  });
});
