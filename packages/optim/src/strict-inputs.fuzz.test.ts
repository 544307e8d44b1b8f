/**
 * Seeded fuzz of bad inputs: constructor options, param groups, addParamGroup, mutated state dicts and failed
 * steps, for every optimizer. For each input: a tsoptim error (never a native TypeError), a message that
 * names the option or key, and everything (parameters, gradients, state, groups) as it was before.
 */
import { Parameter, SparseTensor, Tensor, tensor } from '@tsoptim/core';
import { expectRejectedUnchanged } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import { optimTable } from '../test/conformance-table.js';
import * as optim from './index.js';
import type { Optimizer, OptionsDecl, StateDict } from './index.js';

type Ctor = (params: unknown, options?: unknown) => Optimizer;
interface Row {
  name: string;
  make: Ctor;
  decl: OptionsDecl<object>;
  closure?: boolean;
  /** Takes parameters of two or more dimensions only (Muon): every parameter of its cases is a matrix. */
  matricesOnly: boolean;
}

/** Every options declaration the package exports, by the class it declares. */
const DECLS = new Map(
  (Object.values(optim) as unknown[])
    .filter((v): v is OptionsDecl<object> => typeof v === 'object' && v !== null && 'className' in v && 'specs' in v && 'check' in v)
    .map((d) => [d.className, d]),
);

/** Whether a constructor refuses a vector parameter (it takes matrices only). */
function refusesVectors(make: Ctor): boolean {
  try {
    make([new Parameter(tensor([1, 2]))], {});
    return false;
  } catch {
    return true;
  }
}

// Every class of the conformance table (its variant rows, such as "Adam (decoupledWeightDecay)", aside): a new
// algorithm is fuzzed as soon as it has its table row.
const rows: Row[] = optimTable
  .filter((info) => DECLS.has(info.name))
  .map((info) => {
    const make = info.make as unknown as Ctor;
    return { name: info.name, make, decl: DECLS.get(info.name)!, closure: info.closureDriven === true, matricesOnly: refusesVectors(make) };
  });

/** mulberry32: a small seeded generator, so every run tries the same inputs. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** What a message may call an option: its name, torch's name, or the words of torch's message. */
const WORDS: Record<string, string[]> = {
  lr: ['learning rate', 'Learning rate'],
  eps: ['epsilon'],
  betas: ['beta parameter'],
  etas: ['eta values'],
  beta2Decay: ['beta2_decay'],
  d: ['Clipping threshold d'],
};
function namesOf(key: string): string[] {
  return [key, snake(key), ...(WORDS[key] ?? [])];
}

/** Values of the wrong kind for an option of `decl`. */
function badValues(decl: OptionsDecl<object>, key: string): unknown[] {
  const spec = (
    decl.specs as Record<
      string,
      { kind: { type: string; nullable?: boolean; length?: number }; check?: (v: unknown) => string | undefined }
    >
  )[key]!;
  // Out-of-range values: those the declared check refuses (it carries torch's message).
  const refused = (cands: unknown[]) => (spec.check === undefined ? [] : cands.filter((c) => spec.check!(c) !== undefined));
  const t = () => tensor([0.5]);
  const common: unknown[] = ['fast', {}, Symbol('x'), 10n];
  switch (spec.kind.type) {
    case 'float':
    case 'int': {
      const out = [...common, '0.1', true, t(), [], [1, 'a'], { value: 0.1 }];
      if (!spec.kind.nullable) out.push(null);
      out.push(...refused([-1, Number.NaN, 0.5, 2, 0]));
      if (spec.kind.type === 'int') out.push(1.5, '20');
      return out;
    }
    case 'tuple': {
      // Tuples of the declared length n (2 for betas, 3 for Adan's), and of other lengths.
      const n = spec.kind.length ?? 2;
      const sized = (v: unknown[]) => [...v, ...Array(Math.max(0, n - v.length)).fill(0.5)].slice(0, n);
      const out = [...common, null, [0.9], [...Array(n - 1).fill(0.9), 'x'], Array(n + 1).fill(0.9), t(), Array(n).fill(t()), 0.9];
      out.push(
        ...refused(
          [
            [1, 0.999],
            [-0.5, 2],
            [Number.NaN, 0.5],
            [0.5, 0.5],
            [0.5, -1],
            [0.5, 0.5, 1],
          ].map(sized),
        ),
      );
      return out;
    }
    case 'boolean': {
      const out = [...common, 'yes', 1, 0, [true], t()];
      if (!spec.kind.nullable) out.push(null);
      return out;
    }
    default:
      return [...common, 'backtracking', 1, true, t()];
  }
}

/** Misspellings of a name: torch's snake_case, a letter doubled or dropped, two letters swapped. */
function misspellings(key: string, r: () => number): string[] {
  const out = new Set<string>();
  if (snake(key) !== key) out.add(snake(key));
  out.add(`${key}${key[key.length - 1]}`);
  if (key.length > 3) {
    const i = 1 + Math.floor(r() * (key.length - 2));
    out.add(key.slice(0, i) + key.slice(i + 1));
    out.add(key.slice(0, i - 1) + key[i] + key[i - 1] + key.slice(i + 1));
  }
  out.add(key.toUpperCase());
  return [...out].filter((k) => k !== key);
}

function params(row: Row): Parameter[] {
  return [
    new Parameter(
      tensor([
        [0.5, -1],
        [2, 0.25],
      ]),
    ),
    new Parameter(row.matricesOnly ? tensor([[1, -2]]) : tensor([1, -2])),
  ];
}

function quadClosure(ps: Parameter[]): () => number {
  return () => {
    let loss = 0;
    for (const p of ps) {
      const d = p.data;
      const g = new Float32Array(d.length);
      for (let i = 0; i < d.length; i++) {
        loss += d[i]! * d[i]!;
        g[i] = 2 * d[i]!;
      }
      p.setGrad(g);
    }
    return loss;
  };
}

/** Every row of a dense tensor as a sparse gradient. */
function sparseOf(dense: Tensor): SparseTensor {
  return new SparseTensor(
    dense.shape,
    Int32Array.from({ length: dense.shape[0]! }, (_, i) => i),
    dense.clone(),
  );
}

function setGrads(ps: Parameter[], scale: number): void {
  for (const p of ps) p.setGrad(Float32Array.from(p.data, (x) => x * scale + 0.1));
}

/** Everything a failed call must leave as it was. */
function snapshot(opt: Optimizer | null, ps: Parameter[]): string {
  const values = ps.map((p) => [...p.data]);
  const grads = ps.map((p) => (p.grad === null ? null : Tensor.isTensor(p.grad) ? [...p.grad.data] : 'sparse'));
  if (opt === null) return JSON.stringify({ values, grads });
  return JSON.stringify({
    values,
    grads,
    sd: opt.stateDict(),
    groups: opt.paramGroups.length,
    size: opt.state.size,
    step: opt.scheduleStep,
    steps: [...opt.state.values()].map((s) => s.step),
  });
}

interface Case {
  what: string;
  names: string[];
  run: () => void;
  /** Everything the call could change, compared before and after. */
  snapshot: () => string;
}

const seen = { total: 0, byKind: new Map<string, number>() };

function check(c: Case, kind: string): void {
  seen.total++;
  seen.byKind.set(kind, (seen.byKind.get(kind) ?? 0) + 1);
  expectRejectedUnchanged({ what: c.what, names: c.names, run: c.run, snapshot: c.snapshot });
}

/** An optimizer after two steps, with its parameters. */
function trained(row: Row): { opt: Optimizer; ps: Parameter[] } {
  const ps = params(row);
  const opt = row.make(ps, {});
  for (let s = 0; s < 2; s++) {
    if (row.closure) opt.step(quadClosure(ps));
    else {
      setGrads(ps, 1 + s);
      if (row.name === 'SparseAdam') for (const p of ps) p.grad = sparseOf(p.grad as Tensor);
      opt.step();
    }
  }
  if (row.name !== 'SparseAdam') setGrads(ps, 3);
  return { opt, ps };
}

function stateMutations(row: Row, sd: StateDict, r: () => number): { what: string; names: string[]; sd: unknown }[] {
  const out: { what: string; names: string[]; sd: unknown }[] = [];
  const clone = () => JSON.parse(JSON.stringify(sd)) as StateDict & Record<string, unknown>;
  const entry0 = sd.state['0'] as Record<string, unknown> | undefined;
  if (entry0 !== undefined) {
    for (const key of Object.keys(entry0)) {
      const v = entry0[key];
      const numeric = typeof v === 'number';
      const count = key === 'step' || key === 'func_evals' || key === 'n_iter';
      const bad: unknown[] = numeric ? ['3', Number.NaN, Number.POSITIVE_INFINITY, {}, [1], true] : ['x', {}, true];
      if (count) bad.push(null, -1, 1.5);
      if (key === 'eta' || key === 'mu' || key === 'mu_product') bad.push(-1);
      if (!numeric && Array.isArray(v) && key !== 'old_dirs' && key !== 'old_stps' && key !== 'ro' && key !== 'al')
        bad.push([[1, 2, 3]], [1, 2, 3, 4, 5]);
      for (const b of bad) {
        if (key === 'prev_loss' && b === null) continue;
        const m = clone();
        (m.state['0'] as Record<string, unknown>)[key] = b;
        out.push({ what: `${row.name} state '${key}' = ${String(b)}`, names: [key], sd: m });
      }
    }
    for (const key of Object.keys(entry0)) {
      if (row.name === 'SGD') continue;
      const m = clone();
      delete (m.state['0'] as Record<string, unknown>)[key];
      // A key that may be absent (torch creates it only with an option): not a bad input.
      if (key === 'max_exp_avg_sq' || key === 'momentum_buffer' || key === 'grad_avg' || key === 'al') continue;
      out.push({ what: `${row.name} state without '${key}'`, names: [key], sd: m });
    }
    const proto = clone();
    const protoEntry = JSON.parse(`{"__proto__": {"step": 1}, ${JSON.stringify(proto.state['0']).slice(1)}`);
    proto.state['0'] = protoEntry;
    out.push({ what: `${row.name} state with a __proto__ key`, names: ['__proto__'], sd: proto });
  }
  for (const key of Object.keys(sd.param_groups[0]!)) {
    if (key === 'params' || key === 'param_names') continue;
    const camel = key.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
    // A key only the class sets (AdamW's decoupled decay) takes the class's value on load: inert.
    if (!row.decl.has(camel) || (row.decl.specs as Record<string, { fixed?: boolean }>)[camel]!.fixed) continue;
    for (const b of badValues(row.decl, camel)) {
      if (typeof b === 'symbol' || typeof b === 'bigint' || Tensor.isTensor(b) || (Array.isArray(b) && b.some(Tensor.isTensor))) continue;
      const m = clone();
      (m.param_groups[0] as Record<string, unknown>)[key] = b;
      out.push({ what: `${row.name} group '${key}' = ${JSON.stringify(b)}`, names: [key, camel, ...namesOf(camel)], sd: m });
    }
  }
  for (const junk of ['lrr', 'weightdecay', 'foo', '__proto__']) {
    const m = clone();
    if (junk === '__proto__') m.param_groups[0] = JSON.parse(`{"__proto__": {"lr": 5}, ${JSON.stringify(m.param_groups[0]).slice(1)}`);
    else (m.param_groups[0] as Record<string, unknown>)[junk] = 0.1;
    out.push({ what: `${row.name} group with '${junk}'`, names: [junk], sd: m });
  }
  const structural: [string, string[], (m: StateDict & Record<string, unknown>) => unknown][] = [
    ['no state', ['state'], (m) => ({ param_groups: m.param_groups })],
    ['state is a list', ['state'], (m) => ({ ...m, state: [] })],
    ['param_groups is an object', ['param_groups'], (m) => ({ ...m, param_groups: {} })],
    ['a group too many', ['parameter groups'], (m) => ({ ...m, param_groups: [...m.param_groups, m.param_groups[0]] })],
    ['params are names', ['params'], (m) => ({ ...m, param_groups: [{ ...m.param_groups[0], params: ['a', 'b'] }] })],
    ['a parameter too many', ['parameter group'], (m) => ({ ...m, param_groups: [{ ...m.param_groups[0], params: [0, 1, 2] }] })],
    ['state of an unknown parameter', ['parameter 7'], (m) => ({ ...m, state: { ...m.state, 7: m.state['0'] ?? {} } })],
    ['a state entry that is a number', ['parameter 0'], (m) => ({ ...m, state: { ...m.state, 0: 5 } })],
    ['a group that is null', ['parameter group 0'], (m) => ({ ...m, param_groups: [null] })],
  ];
  for (const [what, names, f] of structural) out.push({ what: `${row.name}: ${what}`, names, sd: f(clone()) });
  void r;
  return out;
}

describe('strict inputs: seeded fuzz over every optimizer', () => {
  it('covers every options declaration the package exports', () => {
    expect(new Set(rows.map((r) => r.name))).toEqual(new Set(DECLS.keys()));
  });

  it('rejects every bad input with a tsoptim error naming it, and changes nothing', { timeout: 30_000 }, () => {
    const r = rng(14);
    for (const row of rows) {
      const keys = Object.keys(row.decl.specs);
      // Constructor options: wrong kinds, out of range, unknown names.
      for (const key of keys) {
        for (const v of badValues(row.decl, key)) {
          const ps = params(row);
          check(
            {
              what: `new ${row.name}({ ${key}: ${String(v)} })`,
              names: namesOf(key),
              run: () => row.make(ps, { [key]: v }),
              snapshot: () => snapshot(null, ps),
            },
            'constructor',
          );
        }
        for (const typo of misspellings(key, r)) {
          if (row.decl.has(typo)) continue;
          const ps = params(row);
          const def = (row.decl.defaults as Record<string, unknown>)[key];
          check(
            {
              what: `new ${row.name}({ ${typo} })`,
              names: [typo],
              run: () => row.make(ps, { [typo]: def }),
              snapshot: () => snapshot(null, ps),
            },
            'constructor',
          );
        }
      }
      for (const junk of ['__proto__', 'constructor', 'toString', 'params2']) {
        const ps = params(row);
        const o = JSON.parse(`{"${junk}": 0.1}`);
        check(
          {
            what: `new ${row.name}({ ${junk} })`,
            names: [junk],
            run: () => row.make(ps, o),
            snapshot: () => snapshot(null, ps),
          },
          'constructor',
        );
      }
      // Param groups (constructor) and addParamGroup.
      for (const key of keys) {
        const bad = badValues(row.decl, key);
        const v = bad[Math.floor(r() * bad.length)];
        const ps = params(row);
        check(
          {
            what: `new ${row.name}([{ params, ${key}: ${String(v)} }])`,
            names: namesOf(key),
            run: () => row.make([{ params: [ps[0]] }, { params: [ps[1]], [key]: v }]),
            snapshot: () => snapshot(null, ps),
          },
          'group',
        );
        if (row.name === 'LBFGS') continue;
        const { opt, ps: tps } = trained(row);
        const extra = new Parameter(row.matricesOnly ? tensor([[3, 4]]) : tensor([3, 4]));
        const w = bad[Math.floor(r() * bad.length)];
        check(
          {
            what: `${row.name}.addParamGroup({ ${key}: ${String(w)} })`,
            names: namesOf(key),
            run: () => opt.addParamGroup({ params: [extra], [key]: w } as never),
            snapshot: () => snapshot(opt, tps),
          },
          'addParamGroup',
        );
        const typo = misspellings(key, r)[0]!;
        if (!row.decl.has(typo)) {
          check(
            {
              what: `${row.name}.addParamGroup({ ${typo} })`,
              names: [typo],
              run: () => opt.addParamGroup({ params: [extra], [typo]: 0.1 } as never),
              snapshot: () => snapshot(opt, tps),
            },
            'addParamGroup',
          );
        }
      }
      // Mutated state dicts.
      const { opt, ps } = trained(row);
      for (const m of stateMutations(row, opt.stateDict(), r)) {
        check(
          {
            what: m.what,
            names: m.names,
            run: () => opt.loadStateDict(m.sd as StateDict),
            snapshot: () => snapshot(opt, ps),
          },
          'loadStateDict',
        );
      }
      // Steps that must fail without changing anything.
      if (!row.closure) {
        const cases: [string, string[], () => void][] = [
          ['a gradient of the wrong size', ['shape'], () => (ps[1]!.grad = tensor([1, 2, 3]))],
          ['a gradient that is not a tensor', ['gradient'], () => (ps[1]!.grad = { data: [1, 2] } as never)],
          ['a scheduled lr that gives a string', ['lr'], () => ((opt.paramGroups[0] as Record<string, unknown>).lr = () => 'fast')],
        ];
        if (row.name !== 'SGD' && row.name !== 'Adagrad' && row.name !== 'SparseAdam') {
          cases.push(['a sparse gradient', ['sparse'], () => (ps[1]!.grad = sparseOf(tensor([0, 1], { shape: ps[1]!.shape })))]);
        }
        for (const [what, names, spoil] of cases) {
          const saved = ps.map((p) => p.grad);
          const lr = (opt.paramGroups[0] as Record<string, unknown>).lr;
          spoil();
          check(
            {
              what: `${row.name}.step() with ${what}`,
              names,
              run: () => opt.step(),
              snapshot: () => snapshot(opt, ps),
            },
            'step',
          );
          ps.forEach((p, i) => (p.grad = saved[i]!));
          (opt.paramGroups[0] as Record<string, unknown>).lr = lr;
        }
      }
    }
    expect(seen.total).toBeGreaterThanOrEqual(700);
    // The counts, for the README.
    console.log(`strict-inputs fuzz: ${seen.total} bad inputs`, Object.fromEntries(seen.byKind));
  });
});
