/**
 * Seeded fuzz of bad inputs for ALF's optimizers (AdamTF, NeroPlus): constructor options, groups,
 * addParamGroup and mutated state dicts. Each must raise a tsoptim error naming the option or key and change
 * nothing.
 */
import { Parameter, Tensor, tensor } from '@tsoptim/core';
import type { Optimizer, OptionsDecl, StateDict } from '@tsoptim/optim';
import { expectRejectedUnchanged } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import { ADAM_TF_OPTIONS, AdamTF } from './adam-tf.js';
import { NERO_PLUS_OPTIONS, NeroPlus } from './nero-plus.js';

const rows: [string, (p: unknown, o?: unknown) => Optimizer, OptionsDecl<object>][] = [
  ['AdamTF', (p, o) => new AdamTF(p as never, o as never), ADAM_TF_OPTIONS as never],
  ['NeroPlus', (p, o) => new NeroPlus(p as never, o as never), NERO_PLUS_OPTIONS as never],
];
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const WORDS: Record<string, string[]> = { lr: ['learning rate'], eps: ['epsilon'], betas: ['beta'] };
const namesOf = (k: string) => [k, snake(k), ...(WORDS[k] ?? [])];

function bad(decl: OptionsDecl<object>, key: string): unknown[] {
  const spec = (decl.specs as Record<string, { kind: { type: string }; check?: (v: unknown) => string | undefined }>)[key]!;
  const refused = (c: unknown[]) => (spec.check ? c.filter((v) => spec.check!(v) !== undefined) : []);
  const common = ['fast', {}, null, tensor([0.5]), Symbol('s')];
  if (spec.kind.type === 'float') return [...common, '0.1', true, [], [1], ...refused([-1, Number.NaN, 0])];
  if (spec.kind.type === 'tuple')
    return [
      ...common,
      0.9,
      [0.9],
      [0.9, 'x'],
      [0.9, 0.9, 0.9],
      ...refused([
        [1, 0.9],
        [0.9, 0],
        [-1, 0.5],
      ]),
    ];
  return [...common, 'yes', 1, [true]];
}

const r = Math.SQRT1_2;
const params = () => [
  new Parameter(
    tensor([
      [r, -r],
      [-r, r],
    ]),
  ),
  new Parameter(tensor([0.5, -0.5])),
];
function snapshot(opt: Optimizer | null, ps: Parameter[]): string {
  return JSON.stringify({ v: ps.map((p) => [...p.data]), sd: opt?.stateDict(), n: opt?.paramGroups.length });
}

describe('strict inputs: ALF optimizers', () => {
  it('rejects every bad input with a tsoptim error naming it, and changes nothing', () => {
    let total = 0;
    const check = (what: string, names: string[], opt: Optimizer | null, ps: Parameter[], run: () => void) => {
      total++;
      expectRejectedUnchanged({ what, names, run, snapshot: () => snapshot(opt, ps) });
    };
    for (const [name, make, decl] of rows) {
      for (const key of Object.keys(decl.specs)) {
        for (const v of bad(decl, key)) {
          const ps = params();
          check(`new ${name}({ ${key}: ${String(v)} })`, namesOf(key), null, ps, () => make(ps, { [key]: v }));
          check(`new ${name}([{ ${key}: ${String(v)} }])`, namesOf(key), null, ps, () => make([{ params: ps, [key]: v }]));
          const opt = make(params());
          const extra = new Parameter(tensor([1, 0]));
          check(`${name}.addParamGroup({ ${key}: ${String(v)} })`, namesOf(key), opt, [extra], () =>
            opt.addParamGroup({ params: [extra], [key]: v } as never),
          );
        }
        for (const typo of [snake(key), `${key}x`, key.toUpperCase()]) {
          if (typo === key) continue;
          const ps = params();
          check(`new ${name}({ ${typo} })`, [typo], null, ps, () => make(ps, { [typo]: 0.1 }));
        }
      }
      // Mutated state dicts after two steps.
      const ps = params();
      const opt = make(ps);
      for (let s = 0; s < 2; s++) {
        for (const p of ps) p.setGrad(Float32Array.from(p.data, (x) => 0.1 * x + 0.01));
        opt.step();
      }
      const sd = opt.stateDict();
      const clone = () => JSON.parse(JSON.stringify(sd)) as StateDict;
      for (const key of Object.keys(sd.state['0']!)) {
        for (const v of ['3', {}, true, Number.NaN, -1]) {
          if (key !== 'step' && typeof v === 'number') continue;
          const m = clone();
          (m.state['0'] as Record<string, unknown>)[key] = v;
          check(`${name} state '${key}' = ${String(v)}`, [key], opt, ps, () => opt.loadStateDict(m));
        }
      }
      for (const key of Object.keys(sd.param_groups[0]!)) {
        const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
        if (!decl.has(camel)) continue;
        for (const v of bad(decl, camel)) {
          if (Tensor.isTensor(v) || typeof v === 'symbol') continue;
          const m = clone();
          (m.param_groups[0] as Record<string, unknown>)[key] = v;
          check(`${name} group '${key}' = ${JSON.stringify(v)}`, [key, camel, ...namesOf(camel)], opt, ps, () => opt.loadStateDict(m));
        }
      }
    }
    expect(total).toBeGreaterThanOrEqual(300);
    console.log(`strict-inputs fuzz (alf): ${total} bad inputs`);
  });
});
