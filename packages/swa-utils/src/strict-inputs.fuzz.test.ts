/**
 * Seeded fuzz of bad inputs for AveragedModel and Module.loadStateDict: each must raise a tsoptim error (never a
 * native TypeError) whose message names the option or key, and leave every parameter and buffer as it was.
 */
import { TsoptimError, tensor } from '@tsoptim/core';
import { BatchNorm1d, Linear, type Module, ReLU, Sequential } from '@tsoptim/nn';
import { describe, expect, it } from 'vitest';
import { AveragedModel } from './index.js';

const net = () => new Sequential(new Linear(3, 4), new BatchNorm1d(4), new ReLU(), new Linear(4, 2));

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

function snapshot(m: Module): string {
  return JSON.stringify(Object.entries(m.stateDict()).map(([k, v]) => [k, [...v.data]]));
}

let total = 0;
function check(what: string, names: string[], subject: Module | null, run: () => void): void {
  total++;
  const before = subject === null ? '' : snapshot(subject);
  let error: unknown = null;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error, `${what}: accepted`).not.toBeNull();
  expect(TsoptimError.isInstance(error), `${what}: ${String(error)}`).toBe(true);
  const message = (error as Error).message;
  expect(
    names.some((n) => message.includes(n)),
    `${what}: ${JSON.stringify(message)} names none of ${names.join(', ')}`,
  ).toBe(true);
  if (subject !== null) expect(snapshot(subject), `${what}: changed something`).toBe(before);
}

const WRONG_KINDS: unknown[] = ['fast', 1, 0, null, {}, [], tensor([1]), Symbol('x'), 10n];

describe('strict inputs: AveragedModel and Module.loadStateDict', () => {
  it('rejects every bad input with a tsoptim error naming it, and changes nothing', () => {
    const r = rng(14);
    // AveragedModel options.
    for (const key of ['avgFn', 'multiAvgFn', 'useBuffers']) {
      for (const v of WRONG_KINDS) {
        if (v === null && key !== 'useBuffers') continue; // null means "none" for the functions
        check(`AveragedModel({ ${key}: ${String(v)} })`, [key], null, () => new AveragedModel(net(), { [key]: v } as never));
      }
    }
    for (const key of ['avg_fn', 'multi_avg_fn', 'use_buffers', 'device', 'usebuffers', 'avgfn', 'useBuffer', '__proto__', 'constructor']) {
      const o = JSON.parse(`{"${key}": true}`);
      check(`AveragedModel({ ${key} })`, [key], null, () => new AveragedModel(net(), o));
    }
    for (const o of ['fast', 3, [], null])
      check(`AveragedModel(${String(o)})`, ['options'], null, () => new AveragedModel(net(), o as never));

    // Module.loadStateDict on a model and on an AveragedModel.
    for (const make of [() => net(), () => new AveragedModel(net())]) {
      const m: Module = make();
      const good = Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.toArray()])) as Record<string, unknown>;
      const keys = Object.keys(good);
      for (const bad of [null, 'weights', 3, [], [1, 2]]) {
        check(`loadStateDict(${String(bad)})`, ['state_dict'], m, () => m.loadStateDict(bad as never));
      }
      for (const key of keys) {
        const shape = m.stateDict()[key]!.shape;
        const size = shape.reduce((a, b) => a * b, 1);
        const values: unknown[] = ['fast', null, {}, true, tensor(new Array(size + 1).fill(0))];
        if (shape.length > 0) values.push([1, 2, 3, 4, 5, 6, 7], [['x']]);
        if (shape.length === 2)
          values.push([[...new Array(shape[1]).fill(0)], [0]], new Array(shape[0]).fill(new Array(shape[1]).fill('a')));
        if (shape.length === 1) values.push(new Array(size).fill(Number.NaN).map((x, i) => (i === 0 ? 'y' : x)));
        for (const v of values) {
          check(`loadStateDict({ ${key}: ${String(v)} })`, [key], m, () => m.loadStateDict({ ...good, [key]: v } as never));
        }
        const missing = { ...good };
        delete missing[key];
        check(`loadStateDict without ${key}`, [key], m, () => m.loadStateDict(missing as never));
        // A bad entry after a good one: nothing written, not even the good one.
        const later = keys[keys.length - 1]!;
        if (later !== key)
          check(`loadStateDict({ ${key}: ok, ${later}: bad })`, [later], m, () => m.loadStateDict({ ...good, [later]: 'bad' } as never));
      }
      for (const extra of ['0.weigth', 'foo', '__proto__', 'constructor', `${keys[Math.floor(r() * keys.length)]}x`]) {
        const sd = JSON.parse(JSON.stringify(good));
        Object.defineProperty(sd, extra, { value: [1], enumerable: true, writable: true, configurable: true });
        check(`loadStateDict with unexpected ${extra}`, [extra], m, () => m.loadStateDict(sd));
      }
      for (const o of [{ strict: 'yes' }, { strict: 1 }, { stric: true }, { strict: null }]) {
        check(`loadStateDict(good, ${JSON.stringify(o)})`, ['strict', 'stric'], m, () => m.loadStateDict(good as never, o as never));
      }
    }
    expect(total).toBeGreaterThanOrEqual(150);
    console.log(`strict-inputs fuzz (swa-utils, nn): ${total} bad inputs`);
  });

  it('useBuffers keeps num_batches_tracked an integer, as torch does', () => {
    const model = net();
    const avg = new AveragedModel(model, { useBuffers: true });
    const counter = () => model.namedBuffers().find(([n]) => n.endsWith('num_batches_tracked'))![1];
    for (let i = 0; i < 3; i++) {
      counter().assign(i * 5);
      avg.updateParameters(model);
    }
    const averaged = avg.module
      .namedBuffers()
      .find(([n]) => n.endsWith('num_batches_tracked'))![1]
      .item();
    // torch: 0 → (0 + (5 − 0)/2 = 2.5 → 2) → (2 + (10 − 2)/3 = 4.67 → 4).
    expect(averaged).toBe(4);
  });
});
