import { type Backend, Parameter, SparseTensor, Tensor, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { firstMismatch, flatten, isClose, jsNumbersInMessage, loadFixture } from './fixtures.js';

/**
 * An optimizer state dict in torch's layout, as the suite reads it. testkit imports no algorithm package: the
 * tables (each package contributes its own) hand it optimizers through {@link OptimizerInfo.make}, and these
 * structural types are all it needs of them.
 */
export interface StateDict {
  state: Record<string, Record<string, unknown>>;
  param_groups: Array<Record<string, unknown> & { params: number[] }>;
  schedule_step?: number;
}

/** What the suite does with an optimizer: step it, save and load its state. */
export interface ConformanceOptimizer {
  step(closure?: () => number): unknown;
  stateDict(): StateDict;
  loadStateDict(stateDict: StateDict): void;
}

/** Parameters, or parameter groups (`{ params, ...options }`), as an optimizer's constructor takes them. */
export type ParamsInput = Iterable<Parameter> | Iterable<Record<string, unknown> & { params: Iterable<Parameter> }>;

/** One optimizer in the shared table (the spirit of torch's OptimizerInfo). */
export interface OptimizerInfo {
  /** The class name, as in torch. */
  readonly name: string;
  /** Builds the optimizer from parameters (or groups) and TypeScript options. */
  readonly make: (params: ParamsInput, options: Record<string, unknown>) => ConformanceOptimizer;
  /** Fixture names under tooling/fixtures/data/<area>/. */
  readonly fixtures: readonly string[];
  /** Fixture area (default 'optim'). */
  readonly area?: string;
  /** Fixture of invalid arguments and torch's messages. */
  readonly errors?: string;
  /** The algorithm calls the closure itself, several times per step (LBFGS). */
  readonly closureDriven?: boolean;
  /** Group keys our state dict has beyond the fixture's (options newer than torch 1.13), documented. */
  readonly extraGroupKeys?: readonly string[];
  /** Torch kwargs → our options (default: snake_case keys to camelCase). */
  readonly fromTorch?: (kwargs: Record<string, unknown>) => Record<string, unknown>;
  /** Per-optimizer tolerance override. */
  readonly tolerance?: { readonly atol: number; readonly rtol: number };
  /** Tolerance for the state dict's tensors and numbers, when it must differ from the values' tolerance. */
  readonly stateTolerance?: { readonly atol: number; readonly rtol: number };
  /**
   * Group entries that are running values of the algorithm rather than options (Schedule-Free's `weight_sum`,
   * Prodigy's `d`): computed from float32 data, they are compared with the state tolerance, not exactly.
   */
  readonly groupState?: readonly string[];
  /** Tests of this fixture name are skipped on backends without synchronous reads. */
  readonly needsSyncRead?: boolean;
}

/** A fixture written by tooling/fixtures/optim_driver.py. */
export interface OptimFixture {
  source: string;
  optimizer: string;
  kwargs: Record<string, unknown>;
  groups: { params: number[]; options?: Record<string, unknown> }[] | null;
  shapes: number[][];
  init: number[][];
  /**
   * 'seeded': a recorded gradient sequence; 'lstsq' and 'rosenbrock': a closure computes the loss and gradients
   * from the current values; 'sparse': recorded sparse (row) gradients.
   */
  grads: 'seeded' | 'lstsq' | 'rosenbrock' | 'sparse';
  no_grad: number[];
  steps: number;
  values: number[][][];
  midway: { step: number; state_dict: StateDict } | null;
  state_dict: StateDict;
  grad_sequence?: number[][][];
  problem?: { A: number[][]; b: number[] }[];
  /** Per step and parameter: the gradient's rows (uncoalesced) and their values, flat; null for no gradient. */
  sparse_sequence?: ({ indices: number[]; values: number[] } | null)[][];
  note?: string;
}

const CUDA_FLAGS = new Set(['foreach', 'fused', 'capturable', 'differentiable']);

export function camelKeys(kwargs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) out[k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())] = v;
  return out;
}

/** The parameters of a fixture, on a backend, with the fixture's initial values. */
export function fixtureParams(fx: OptimFixture, backend: Backend): Parameter[] {
  return fx.shapes.map((shape, i) => new Parameter(tensor(fx.init[i]!, { backend, shape })));
}

function groupsOf(info: OptimizerInfo, fx: OptimFixture, params: Parameter[]): ParamsInput {
  if (!fx.groups) return params;
  const conv = info.fromTorch ?? camelKeys;
  return fx.groups.map((g) => ({ ...conv(g.options ?? {}), params: g.params.map((i) => params[i]!) }));
}

/** Least-squares loss and gradient (float64) for the fixture's problem: 0.5‖A x − b‖², ∇ = Aᵀ(Ax − b). */
function lstsq(fx: OptimFixture, values: Float32Array[], wantGrad: boolean): { loss: number; grads: Float32Array[] } {
  let loss = 0;
  const grads = values.map((x, p) => {
    const { A, b } = fx.problem![p]!;
    const res = A.map((row, i) => row.reduce((acc, a, j) => acc + a * x[j]!, 0) - b[i]!);
    if (!fx.no_grad.includes(p)) loss += 0.5 * res.reduce((a, r) => a + r * r, 0);
    const g = new Float32Array(x.length);
    if (wantGrad) for (let j = 0; j < x.length; j++) g[j] = A.reduce((acc, row, i) => acc + row[j]! * res[i]!, 0);
    return g;
  });
  return { loss, grads };
}

/**
 * Rosenbrock loss and gradient (float64), summed over parameters: Σᵢ 100(x[i+1] − x[i]²)² + (1 − x[i])² of each
 * flattened parameter (parameters of one element contribute nothing).
 */
function rosenbrock(fx: OptimFixture, values: Float32Array[]): { loss: number; grads: Float32Array[] } {
  let loss = 0;
  const grads = values.map((x, p) => {
    const g = new Float64Array(x.length);
    if (fx.no_grad.includes(p)) return new Float32Array(x.length);
    for (let i = 0; i + 1 < x.length; i++) {
      const a = x[i]!;
      const b = x[i + 1]!;
      const u = b - a * a;
      loss += 100 * u * u + (1 - a) * (1 - a);
      g[i] = g[i]! - 400 * a * u - 2 * (1 - a);
      g[i + 1] = g[i + 1]! + 200 * u;
    }
    return Float32Array.from(g);
  });
  return { loss, grads };
}

/** Rows sorted and unique, duplicates summed (float64), on the host. */
function coalesceRows(indices: number[], values: number[]): { indices: number[]; values: number[] } {
  const rs = indices.length === 0 ? 0 : values.length / indices.length;
  const sums = new Map<number, number[]>();
  indices.forEach((r, k) => {
    const acc = sums.get(r) ?? new Array<number>(rs).fill(0);
    for (let j = 0; j < rs; j++) acc[j] = acc[j]! + values[k * rs + j]!;
    sums.set(r, acc);
  });
  const rows = [...sums.keys()].sort((a, b) => a - b);
  return { indices: rows, values: rows.flatMap((r) => sums.get(r)!) };
}

/** Sets the recorded sparse gradients of step `t` (coalesced on the host where the backend reads asynchronously). */
function setSparseGrads(fx: OptimFixture, params: Parameter[], t: number, backend: Backend): void {
  params.forEach((p, i) => {
    const e = fx.sparse_sequence![t]![i];
    if (SparseTensor.isSparse(p.grad)) p.grad.values.dispose();
    if (e === null || e === undefined || fx.no_grad.includes(i)) {
      p.grad = null;
      return;
    }
    const rowShape = p.shape.slice(1);
    const { indices, values } = backend.syncRead ? { indices: e.indices, values: e.values } : coalesceRows(e.indices, e.values);
    p.grad = new SparseTensor(p.shape, Int32Array.from(indices), tensor(values, { backend, shape: [indices.length, ...rowShape] }));
  });
}

/** Sets the gradients of step `t` (seeded, sparse) or returns the closure (least squares, Rosenbrock). */
function prepareStep(fx: OptimFixture, params: Parameter[], t: number, backend: Backend): (() => number) | undefined {
  if (fx.grads === 'sparse') {
    setSparseGrads(fx, params, t, backend);
    return undefined;
  }
  if (fx.grads === 'seeded') {
    params.forEach((p, i) => {
      if (fx.no_grad.includes(i)) p.grad = null;
      else if (p.grad && Tensor.isTensor(p.grad)) p.grad.assign(fx.grad_sequence![t]![i]!);
      else p.grad = tensor(fx.grad_sequence![t]![i]!, { backend, shape: p.shape });
    });
    return undefined;
  }
  return () => {
    const values = params.map((p) => p.data);
    const { loss, grads } = fx.grads === 'rosenbrock' ? rosenbrock(fx, values) : lstsq(fx, values, true);
    params.forEach((p, i) => {
      if (fx.no_grad.includes(i)) p.grad = null;
      else if (p.grad && Tensor.isTensor(p.grad)) p.grad.assign(grads[i]!);
      else p.grad = tensor(grads[i]!, { backend, shape: p.shape });
    });
    return loss;
  };
}

async function expectValues(params: Parameter[], expected: number[][], tol: { atol: number; rtol: number }, where: string): Promise<void> {
  for (let i = 0; i < params.length; i++) {
    const got = await params[i]!.read();
    const bad = firstMismatch(got, expected[i]!, tol.atol, tol.rtol);
    if (bad) {
      expect.fail(`${where}, parameter ${i}, element ${bad.index}: got ${bad.actual}, torch ${bad.expected}`);
    }
  }
}

/** A tensor saved in a state dict (`{ shape, data }`, plain data: optim's `SavedTensor`). */
function isSavedTensor(x: unknown): x is { shape: number[]; data: Float32Array } {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as { shape?: unknown; data?: unknown };
  return Array.isArray(o.shape) && o.data instanceof Float32Array && Object.keys(o).length === 2;
}

/** Tensors in a state dict replaced by nested arrays (awaiting reads), so any backend's dict compares and serialises. */
export async function materialize(x: unknown): Promise<unknown> {
  if (Tensor.isTensor(x) || isSavedTensor(x)) {
    const data = Tensor.isTensor(x) ? await x.read() : x.data;
    const flat = Array.from(data);
    return x.shape.length === 0 ? flat[0] : reshape(flat, x.shape);
  }
  if (Array.isArray(x)) return Promise.all(x.map(materialize));
  if (typeof x === 'object' && x !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = await materialize(v);
    return out;
  }
  return x;
}

function reshape(flat: number[], shape: readonly number[]): unknown {
  if (shape.length <= 1) return flat;
  const [d, ...rest] = shape;
  const step = flat.length / d!;
  return Array.from({ length: d! }, (_, i) => reshape(flat.slice(i * step, (i + 1) * step), rest));
}

/** True when the fixture's gradients come from a closure that reads parameters synchronously. */
function usesClosure(fx: OptimFixture): boolean {
  return fx.grads === 'lstsq' || fx.grads === 'rosenbrock';
}

function hasNull(x: unknown): boolean {
  return x === null || (Array.isArray(x) && x.some(hasNull));
}

function sameValue(a: unknown, b: unknown, tol: { atol: number; rtol: number }): boolean {
  // Lists with empty slots (torch's LBFGS `al`, Adafactor's `eps` with eps1 None) compare element by element.
  if (Array.isArray(b) && hasNull(b)) {
    return Array.isArray(a) && a.length === b.length && b.every((v, i) => (v === null ? a[i] === null : sameValue(a[i], v, tol)));
  }
  if (typeof b === 'number' || Array.isArray(b)) {
    if (typeof a !== 'number' && !Array.isArray(a)) return false;
    const fa = flatten(a);
    const fb = flatten(b);
    return fa.length === fb.length && fa.every((v, i) => isClose(v, fb[i]!, tol.atol, tol.rtol));
  }
  return a === b;
}

/** Compares our (materialised) state dict with torch's, with the rules documented in docs/architecture.md. */
export function expectStateDictMatches(ours: StateDict, torch: StateDict, info: OptimizerInfo, tol: { atol: number; rtol: number }): void {
  expect(ours.param_groups.length).toBe(torch.param_groups.length);
  torch.param_groups.forEach((tg, i) => {
    const og = ours.param_groups[i]!;
    for (const [k, v] of Object.entries(tg)) {
      if (CUDA_FLAGS.has(k) && !v && !og[k]) continue; // null and false both mean "off"
      expect(og, `param_groups[${i}] lacks '${k}'`).toHaveProperty(k);
      const exact = !info.groupState?.includes(k);
      expect(
        sameValue(og[k], v, exact ? { atol: 0, rtol: 1e-12 } : tol),
        `param_groups[${i}].${k}: ${JSON.stringify(og[k])} vs torch ${JSON.stringify(v)}`,
      ).toBe(true);
    }
    for (const k of Object.keys(og)) {
      if (!(k in tg)) expect(info.extraGroupKeys ?? [], `param_groups[${i}] has '${k}', which torch's has not`).toContain(k);
    }
  });
  const torchState = Object.fromEntries(
    Object.entries(torch.state)
      .map(([id, entry]) => [id, Object.fromEntries(Object.entries(entry as object).filter(([, v]) => v !== null))] as const)
      .filter(([, entry]) => Object.keys(entry).length > 0),
  );
  expect(Object.keys(ours.state).sort()).toEqual(Object.keys(torchState).sort());
  for (const [id, entry] of Object.entries(torchState)) {
    const mine = ours.state[id] as Record<string, unknown>;
    expect(Object.keys(mine).sort(), `state keys of parameter ${id}`).toEqual(Object.keys(entry).sort());
    for (const [k, v] of Object.entries(entry)) {
      expect(sameValue(mine[k], v, tol), `state[${id}].${k}: ${JSON.stringify(mine[k])} vs torch ${JSON.stringify(v)}`).toBe(true);
    }
  }
}

/** Options of {@link describeOptimizerConformance}. */
export interface ConformanceOptions {
  /** Label of the backend in test names. */
  readonly label: string;
  /** Makes (or returns) the backend the tests run on. */
  readonly backend: () => Backend;
  /** Tolerance for values and state (default 1e-6 absolute + 1e-5 relative). */
  readonly tolerance?: { readonly atol: number; readonly rtol: number };
  /** Which optimizers to run (default all). */
  readonly table: readonly OptimizerInfo[];
}

const DEFAULT_TOL = { atol: 1e-6, rtol: 1e-5 };

async function runSteps(
  info: OptimizerInfo,
  fx: OptimFixture,
  opt: ConformanceOptimizer,
  params: Parameter[],
  backend: Backend,
  from: number,
  to: number,
  tol: { atol: number; rtol: number },
  label: string,
): Promise<void> {
  for (let t = from; t < to; t++) {
    const closure = prepareStep(fx, params, t, backend);
    if (closure && !info.closureDriven) closure();
    opt.step(closure);
    await expectValues(params, fx.values[t]!, tol, `${label}: step ${t + 1}`);
  }
}

/**
 * The shared optimizer conformance suite. For every fixture of every optimizer in the table, on the given
 * backend: values after every step match torch; the final state dict equals torch's; saving midway, loading
 * into a new optimizer (through JSON) and continuing equals the uninterrupted run; resuming from torch's own
 * midway state dict continues as torch did; invalid arguments fail with torch's messages; a mismatched state
 * dict is rejected and changes nothing.
 */
export function describeOptimizerConformance(options: ConformanceOptions): void {
  for (const info of options.table) {
    const area = info.area ?? 'optim';
    const tol = info.tolerance ?? options.tolerance ?? DEFAULT_TOL;
    const conv = info.fromTorch ?? camelKeys;
    describe(`${info.name} conformance on ${options.label}`, () => {
      for (const name of info.fixtures) {
        const fx = loadFixture<OptimFixture>(area, name);
        const needsSync = usesClosure(fx) || info.needsSyncRead === true;
        const maybe = needsSync && !options.backend().syncRead ? it.skip : it;
        const build = (params: Parameter[]): ConformanceOptimizer => info.make(groupsOf(info, fx, params), conv(fx.kwargs));

        maybe(`${name}: values after every step match torch, and the final state dict`, async () => {
          const backend = options.backend();
          const params = fixtureParams(fx, backend);
          const opt = build(params);
          await runSteps(info, fx, opt, params, backend, 0, fx.steps, tol, name);
          const sd = (await materialize(opt.stateDict())) as StateDict;
          expectStateDictMatches(sd, fx.state_dict, info, info.stateTolerance ?? tol);
        });

        if (fx.midway) {
          const mid = fx.midway;
          maybe(`${name}: save midway, load into a new optimizer through JSON, continue`, async () => {
            const backend = options.backend();
            const params = fixtureParams(fx, backend);
            const opt = build(params);
            await runSteps(info, fx, opt, params, backend, 0, mid.step, tol, name);
            const saved = JSON.parse(JSON.stringify(await materialize(opt.stateDict())));
            const params2: Parameter[] = [];
            for (const p of params) params2.push(new Parameter(tensor(await p.read(), { backend, shape: p.shape })));
            const opt2 = build(params2);
            opt2.loadStateDict(saved);
            await runSteps(info, fx, opt2, params2, backend, mid.step, fx.steps, tol, `${name} (resumed)`);
          });

          maybe(`${name}: resume from torch's midway state dict`, async () => {
            const backend = options.backend();
            const params = fx.shapes.map((shape, i) => new Parameter(tensor(fx.values[mid.step - 1]![i]!, { backend, shape })));
            const opt = build(params);
            opt.loadStateDict(JSON.parse(JSON.stringify(mid.state_dict)));
            await runSteps(info, fx, opt, params, backend, mid.step, fx.steps, tol, `${name} (from torch)`);
          });
        }
      }

      if (info.errors) {
        const ef = loadFixture<{ errors: { kwargs: Record<string, unknown>; type: string; message: string }[] }>(area, info.errors);
        for (const e of ef.errors) {
          it(`rejects ${JSON.stringify(e.kwargs)} with torch's message`, () => {
            const p = new Parameter(tensor([0, 0], { backend: options.backend() }));
            // torch's exact message (numbers printed as Python prints them), or with numbers as JavaScript prints them.
            let message = '';
            try {
              info.make([p], conv(e.kwargs));
            } catch (err) {
              message = (err as Error).message;
            }
            expect([message.includes(e.message), message.includes(jsNumbersInMessage(e.message))], message).toContain(true);
          });
        }
      }

      const first = info.fixtures[0];
      if (first !== undefined) {
        const fx = loadFixture<OptimFixture>(area, first);
        it('rejects a mismatched state dict and stays unchanged', async () => {
          const backend = options.backend();
          const params = fixtureParams(fx, backend);
          const opt = info.make(groupsOf(info, fx, params), conv(fx.kwargs));
          if (!(usesClosure(fx) && !backend.syncRead)) await runSteps(info, fx, opt, params, backend, 0, 2, tol, first);
          const before = JSON.stringify(await materialize(opt.stateDict()));
          const sd = JSON.parse(before) as StateDict;
          const tooMany = { ...sd, param_groups: [...sd.param_groups, sd.param_groups[0]!] };
          expect(() => opt.loadStateDict(tooMany)).toThrow('loaded state dict has a different number of parameter groups');
          const shorter = { ...sd, param_groups: sd.param_groups.map((g, i) => (i === 0 ? { ...g, params: g.params.slice(1) } : g)) };
          expect(() => opt.loadStateDict(shorter)).toThrow(
            "loaded state dict contains a parameter group that doesn't match the size of optimizer's group",
          );
          const id = Object.keys(sd.state).find((k) => Object.values(sd.state[k]!).some((v) => Array.isArray(v)));
          if (id !== undefined) {
            const key = Object.keys(sd.state[id]!).find((k) => Array.isArray(sd.state[id]![k]))!;
            const badShape = structuredClone(sd);
            (badShape.state[id] as Record<string, unknown>)[key] = [1, 2, 3, 4, 5, 6, 7];
            expect(() => opt.loadStateDict(badShape)).toThrow(/loaded state dict has a tensor/);
          }
          expect(JSON.stringify(await materialize(opt.stateDict()))).toBe(before);
        });
      }
    });
  }
}
