import type { Parameter } from '@tsoptim/core';
import { ADAPTIVE_CATALOG } from '@tsoptim/adaptive';
import { ALF_CATALOG } from '@tsoptim/alf';
import { type CatalogEntry, type Optimizer, admitsParameter } from '@tsoptim/optim';
import { optimizerCatalog } from '@tsoptim/registry';

/** One optimizer the demo can train with. */
export interface DemoOptimizer {
  /** The name used on the command line (`--optimizers sgd,adam`): its catalog name. */
  readonly id: string;
  /** The name in tables and plots. */
  readonly label: string;
  /** The package it comes from. */
  readonly from: string;
  /** Peak learning rate of the schedule (the catalog's one-cycle peak for the demo's model and batch size). */
  readonly lr: number;
  /** The options, as written in the report. */
  readonly options: string;
  /** Builds the optimizer over `params` with learning rate `lr`. */
  make(params: Parameter[], lr: number): Optimizer;
}

/** `momentum 0.9, nesterov true`. */
function describeOptions(options: Readonly<Record<string, unknown>>): string {
  return Object.entries(options)
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(', ');
}

/** A catalog entry as the demo runs it: its start options, its one-cycle peak, the parameters it admits. */
function demoOptimizer(entry: CatalogEntry): DemoOptimizer {
  const { about } = entry;
  const { start } = about;
  const notes = [
    start.options === undefined ? 'defaults' : describeOptions(start.options),
    ...(about.params === 'matrices' ? ['weight matrices and filters only: the other parameters keep their initial values'] : []),
    ...(start.note === undefined ? [] : [start.note]),
  ];
  return {
    id: entry.name,
    label: about.label ?? about.className,
    from: about.from,
    lr: start.peakLr ?? start.lr,
    options: notes.join('; '),
    make: (params, lr) => {
      const taken = params.filter((p) => admitsParameter(about, p.shape));
      entry.prepare?.(taken);
      return entry.create(
        taken.map((p, i) => [`${i}`, p] as const),
        { ...start.options, lr },
      );
    },
  };
}

/**
 * Every optimizer the demo knows: the registry's names, then labml's and ALF's catalogs, leaving out what its
 * loop cannot drive (a closure-driven step, sparse gradients). Peak learning rates and options are the catalogs'
 * (`about.start`) for the demo's MLP (784-128-10, batch 64, 5 epochs) under one-cycle.
 */
export const DEMO_OPTIMIZERS: readonly DemoOptimizer[] = [...optimizerCatalog(), ...ADAPTIVE_CATALOG, ...ALF_CATALOG]
  .filter((e) => e.about.step !== 'closure' && e.about.gradients !== 'sparse')
  .map(demoOptimizer);

/** The ids trained when `--optimizers` is not given. */
export const DEFAULT_OPTIMIZER_IDS: readonly string[] = ['sgd', 'adam', 'adamw', 'radam', 'nadam', 'adabelief', 'adamtf'];

/**
 * The catalog entries for a list of ids (case-insensitive), in the order given.
 *
 * @throws Error naming the unknown ids and the known ones.
 */
export function pickOptimizers(ids: readonly string[]): DemoOptimizer[] {
  const unknown = ids.filter((id) => !DEMO_OPTIMIZERS.some((o) => o.id === id.toLowerCase()));
  if (unknown.length > 0) {
    throw new Error(`unknown optimizer(s): ${unknown.join(', ')} (known: ${DEMO_OPTIMIZERS.map((o) => o.id).join(', ')})`);
  }
  return ids.map((id) => DEMO_OPTIMIZERS.find((o) => o.id === id.toLowerCase())!);
}
