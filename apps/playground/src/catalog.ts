import { ADAPTIVE_CATALOG } from '@tsoptim/adaptive';
import { ALF_CATALOG } from '@tsoptim/alf';
import type { Parameter } from '@tsoptim/core';
import type { LRScheduler } from '@tsoptim/lr-scheduler';
import { type CatalogEntry, type Optimizer, admitsParameter } from '@tsoptim/optim';
import { optimizerCatalog, schedulerFromConfig, schedulerRegistry } from '@tsoptim/registry';
import { SWALR } from '@tsoptim/swa-utils';

/** Options as the page edits them: a JSON object with the TypeScript API's camelCase names. */
export type Options = Record<string, unknown>;

/** One optimizer the page offers. */
export interface OptimizerEntry {
  /** `<package>:<name>`, unique. */
  readonly id: string;
  /** The package it comes from. */
  readonly from: string;
  /** The name shown: its catalog name (a registry name such as `adamw`, or `adabelief`). */
  readonly name: string;
  /** What it does, in one line. */
  readonly summary: string;
  /** Takes sparse gradients only (the MLP's are dense: the page shows its error). */
  readonly sparseOnly: boolean;
  /** Options the page starts from: the catalog's start (a learning rate that trains the MLP, held constant). */
  readonly options: Options;
  /** Builds it over named parameters (those it admits: Muon's matrices; the others keep their values). */
  make(named: readonly (readonly [string, Parameter])[], options: Options): Optimizer;
}

function pageEntry(entry: CatalogEntry): OptimizerEntry {
  const { about } = entry;
  return {
    id: `${about.from}:${entry.name}`,
    from: about.from,
    name: entry.name,
    summary: about.summary,
    sparseOnly: about.gradients === 'sparse',
    options: { lr: about.start.lr, ...about.start.options },
    make: (named, o) => {
      const taken = named.filter(([, p]) => admitsParameter(about, p.shape));
      entry.prepare?.(taken.map(([, p]) => p));
      return entry.create(taken, o);
    },
  };
}

/** Every optimizer the page offers, grouped by package: the registry's names, then labml's and ALF's catalogs. */
export const OPTIMIZERS: readonly OptimizerEntry[] = [...optimizerCatalog(), ...ADAPTIVE_CATALOG, ...ALF_CATALOG].map(pageEntry);

/** The optimizer with id `id`. */
export function optimizerEntry(id: string): OptimizerEntry {
  const e = OPTIMIZERS.find((o) => o.id === id);
  if (e === undefined) throw new Error(`unknown optimizer ${JSON.stringify(id)}`);
  return e;
}

/** Schedulers that take functions (code) in their options: a page that reads JSON offers them not. */
const NEEDS_CODE = new Set(['lambda_lr', 'multiplicative_lr']);

/** The scheduler names the page offers: `none`, the registry's (torch's) schedulers, and `swalr`. */
export const SCHEDULERS: readonly string[] = ['none', ...schedulerRegistry.names().filter((n) => !NEEDS_CODE.has(n)), 'swalr'];

/** True for schedulers whose `step` takes the training loss (ReduceLROnPlateau). */
export function takesMetric(name: string): boolean {
  return name === 'reduce_lr_on_plateau' || name === 'reduce_on_plateau';
}

/** Options a scheduler starts from on the page, for a run of `total` steps with peak learning rate `lr`. */
export function schedulerDefaults(name: string, total: number, lr: number): Options {
  const t = (f: number): number => Math.max(1, Math.round(total * f));
  switch (name) {
    case 'step_lr':
    case 'step':
      return { stepSize: t(1 / 3), gamma: 0.5 };
    case 'multi_step_lr':
    case 'multi_step':
      return { milestones: [t(0.5), t(0.75)], gamma: 0.3 };
    case 'constant_lr':
      return { factor: 0.5, totalIters: t(0.25) };
    case 'linear_lr':
      return { startFactor: 0.1, endFactor: 1, totalIters: t(0.1) };
    case 'exponential_lr':
    case 'exponential':
      return { gamma: Number((1 - 3 / Math.max(total, 4)).toFixed(5)) };
    case 'polynomial_lr':
      return { totalIters: total, power: 1 };
    case 'cosine_annealing_lr':
      return { tMax: total, etaMin: 0 };
    case 'cosine_annealing_warm_restarts':
      return { t0: t(0.25), tMult: 1, etaMin: 0 };
    case 'cyclic_lr':
      return { baseLr: lr / 10, maxLr: lr, stepSizeUp: t(0.125), cycleMomentum: false };
    case 'one_cycle_lr':
      return { maxLr: lr, totalSteps: total, pctStart: 0.25, cycleMomentum: false };
    case 'reduce_lr_on_plateau':
    case 'reduce_on_plateau':
      return { factor: 0.5, patience: 20 };
    case 'sequential_lr':
      return {
        schedulers: [
          { type: 'linear_lr', startFactor: 0.1, endFactor: 1, totalIters: t(0.1) },
          { type: 'cosine_annealing_lr', tMax: Math.max(1, total - t(0.1)) },
        ],
        milestones: [t(0.1)],
      };
    case 'chained_scheduler':
      return {
        schedulers: [
          { type: 'exponential_lr', gamma: Number((1 - 1 / Math.max(total, 2)).toFixed(5)) },
          { type: 'step_lr', stepSize: t(0.5), gamma: 0.5 },
        ],
      };
    case 'swalr':
      return { swaLr: lr / 2, annealEpochs: t(0.2), annealStrategy: 'cos' };
    default:
      return {};
  }
}

/** Builds scheduler `name` on `opt` (null for `none`). Options are data: nothing in them is evaluated. */
export function makeScheduler(name: string, opt: Optimizer, options: Options): LRScheduler | null {
  if (name === 'none') return null;
  if (name === 'swalr') return new SWALR(opt, options as never) as unknown as LRScheduler;
  return schedulerFromConfig(opt, { ...options, type: name });
}

/** The learning rate group 0 uses now (NaN where the optimizer keeps it as a function of the step). */
export function currentLr(opt: Optimizer): number {
  const lr = (opt.paramGroups[0] as { lr?: unknown } | undefined)?.lr;
  return typeof lr === 'number' ? lr : Number.NaN;
}
