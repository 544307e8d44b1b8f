import { Parameter, SparseTensor, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';

/** The parts of `@tsoptim/optim`'s `CatalogEntry` the check reads. */
export interface CheckedCatalogEntry {
  readonly name: string;
  readonly about: {
    readonly className: string;
    readonly state?: string;
    readonly params?: 'matrices';
    readonly step?: 'closure';
    readonly gradients?: 'sparse';
    readonly start: { readonly lr: number; readonly options?: Readonly<Record<string, unknown>> };
  };
  create(
    named: readonly (readonly [string, Parameter])[],
    options: Readonly<Record<string, unknown>>,
  ): { step(closure?: () => number): unknown; stateDict(): { state: Readonly<Record<string, unknown>> } };
  prepare?(params: Parameter[]): void;
}

/**
 * What is wrong with a catalog entry, as one line each (empty when nothing is): built with its start options
 * over a matrix and a vector (the matrix alone for `params: 'matrices'`), it must be an instance of the class it
 * names, move its parameters in one step (a closure for `step: 'closure'`, sparse gradients for `gradients:
 * 'sparse'`), and create no state key that `about.state` does not list.
 */
export function catalogEntryProblems(entry: CheckedCatalogEntry): string[] {
  const { about } = entry;
  const named: [string, Parameter][] = [
    ['w', new Parameter(tensor([0.5, -0.5, 0.25, 1], { shape: [2, 2] }))],
    ['b', new Parameter(tensor([0.1, -0.1]))],
  ];
  const ps = named.filter(([, p]) => about.params !== 'matrices' || p.shape.length >= 2);
  const params = ps.map(([, p]) => p);
  entry.prepare?.(params);
  const opt = entry.create(ps, { lr: about.start.lr, ...about.start.options });
  const problems: string[] = [];
  if (opt.constructor.name !== about.className) problems.push(`${entry.name}: builds ${opt.constructor.name}, not ${about.className}`);
  const setGrads = () => {
    for (const p of params) {
      const values = Array.from({ length: p.size }, (_, i) => 0.5 - 0.25 * i);
      // Sparse: the first row only.
      const row = p.size / (p.shape[0] ?? 1);
      p.grad =
        about.gradients === 'sparse'
          ? new SparseTensor(p.shape, Int32Array.of(0), tensor(values.slice(0, row), { shape: [1, ...p.shape.slice(1)] }))
          : tensor(values, { shape: p.shape });
    }
  };
  const before = params.map((p) => Array.from(p.data));
  if (about.step === 'closure') {
    opt.step(() => {
      setGrads();
      return 1;
    });
  } else {
    setGrads();
    opt.step();
  }
  if (params.every((p, i) => Array.from(p.data).every((x, j) => x === before[i]![j])))
    problems.push(`${entry.name}: one step moved nothing`);
  const listed = new Set(about.state?.split(/[^A-Za-z0-9_]+/));
  const keys = Object.values(opt.stateDict().state).flatMap((s) => Object.keys(s as object));
  const unlisted = [...new Set(keys.filter((k) => !listed.has(k)))];
  if (unlisted.length > 0)
    problems.push(`${entry.name}: state keys ${unlisted.join(', ')} are not in about.state ("${about.state ?? ''}")`);
  return problems;
}

/** The names of a module's exports that are subclasses of `base` (optimizer classes), leaving out `except`. */
export function subclassNames(
  module: object,
  base: abstract new (...args: never[]) => unknown,
  except: (name: string, value: unknown) => boolean = () => false,
): string[] {
  return Object.entries(module)
    .filter(([name, v]) => typeof v === 'function' && v.prototype instanceof base && !except(name, v))
    .map(([name]) => name);
}

/**
 * The tests of a package's catalog: one entry for each of `classes` and no other, and no
 * {@link catalogEntryProblems} in any entry.
 */
export function describeCatalog(what: string, entries: readonly CheckedCatalogEntry[], classes: readonly string[]): void {
  describe(what, () => {
    it('has one entry for every optimizer class and no other', () => {
      expect(classes.length).toBeGreaterThan(0);
      expect(new Set(entries.map((e) => e.about.className))).toEqual(new Set(classes));
    });

    it('builds every entry from its start options; each steps and lists the state it creates', () => {
      expect(entries.flatMap(catalogEntryProblems)).toEqual([]);
    });
  });
}
