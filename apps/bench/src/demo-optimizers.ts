import type { Parameter } from '@tsoptim/core';
import { AdaBelief, AMSGrad as LabmlAMSGrad } from '@tsoptim/adaptive';
import { AdamTF, NeroPlus } from '@tsoptim/alf';
import {
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  LAMB,
  Lion,
  Muon,
  NAdam,
  type Optimizer,
  Prodigy,
  RAdam,
  RMSprop,
  SGD,
  ScheduleFreeAdamW,
} from '@tsoptim/optim';

/** One optimizer the demo can train with. */
export interface DemoOptimizer {
  /** The name used on the command line (`--optimizers sgd,adam`). */
  readonly id: string;
  /** The name in tables and plots. */
  readonly label: string;
  /** The package it comes from. */
  readonly from: string;
  /** Peak learning rate of the schedule (tuned once for the demo's model and batch size). */
  readonly lr: number;
  /** The options, as written in the report. */
  readonly options: string;
  /** Builds the optimizer over `params` with learning rate `lr`. */
  make(params: Parameter[], lr: number): Optimizer;
}

/**
 * Every optimizer the demo knows, in table order. Peak learning rates are for the demo's MLP (784-128-10,
 * batch 64, 5 epochs) under one-cycle; weight decay is small where the algorithm has it.
 */
export const DEMO_OPTIMIZERS: readonly DemoOptimizer[] = [
  {
    id: 'sgd',
    label: 'SGD momentum',
    from: '@tsoptim/optim',
    lr: 0.3,
    options: 'momentum 0.9, nesterov',
    make: (p, lr) => new SGD(p, { lr, momentum: 0.9, nesterov: true }),
  },
  { id: 'adam', label: 'Adam', from: '@tsoptim/optim', lr: 0.01, options: 'betas (0.9, 0.999)', make: (p, lr) => new Adam(p, { lr }) },
  {
    id: 'adamw',
    label: 'AdamW',
    from: '@tsoptim/optim',
    lr: 0.01,
    options: 'weight decay 0.01',
    make: (p, lr) => new AdamW(p, { lr, weightDecay: 0.01 }),
  },
  { id: 'radam', label: 'RAdam', from: '@tsoptim/optim', lr: 0.04, options: 'defaults', make: (p, lr) => new RAdam(p, { lr }) },
  { id: 'nadam', label: 'NAdam', from: '@tsoptim/optim', lr: 0.01, options: 'defaults', make: (p, lr) => new NAdam(p, { lr }) },
  {
    id: 'adabelief',
    label: 'AdaBelief (labml)',
    from: '@tsoptim/adaptive',
    lr: 0.04,
    options: 'eps 1e-16, rectified',
    make: (p, lr) => new AdaBelief(p, { lr }) as unknown as Optimizer,
  },
  { id: 'adamtf', label: 'AdamTF (ALF)', from: '@tsoptim/alf', lr: 0.01, options: 'defaults', make: (p, lr) => new AdamTF(p, { lr }) },
  // Not in the default run:
  { id: 'adamax', label: 'Adamax', from: '@tsoptim/optim', lr: 0.04, options: 'defaults', make: (p, lr) => new Adamax(p, { lr }) },
  { id: 'rmsprop', label: 'RMSprop', from: '@tsoptim/optim', lr: 0.002, options: 'defaults', make: (p, lr) => new RMSprop(p, { lr }) },
  { id: 'adagrad', label: 'Adagrad', from: '@tsoptim/optim', lr: 0.1, options: 'defaults', make: (p, lr) => new Adagrad(p, { lr }) },
  {
    id: 'amsgrad',
    label: 'AMSGrad (labml)',
    from: '@tsoptim/adaptive',
    lr: 0.01,
    options: 'defaults',
    make: (p, lr) => new LabmlAMSGrad(p, { lr }) as unknown as Optimizer,
  },
  {
    id: 'neroplus',
    label: 'NeroPlus (ALF)',
    from: '@tsoptim/alf',
    lr: 0.01,
    options: 'weights projected by NeroPlus.initialize',
    make: (p, lr) => {
      NeroPlus.initialize(p);
      return new NeroPlus(p, { lr });
    },
  },
  // Not in torch.optim (learning rates from the papers' suggestions, not tuned for the demo):
  {
    id: 'lion',
    label: 'Lion',
    from: '@tsoptim/optim',
    lr: 0.001,
    options: 'weight decay 0.1',
    make: (p, lr) => new Lion(p, { lr, weightDecay: 0.1 }),
  },
  {
    id: 'lamb',
    label: 'LAMB',
    from: '@tsoptim/optim',
    lr: 0.01,
    options: 'weight decay 0.01',
    make: (p, lr) => new LAMB(p, { lr, weightDecay: 0.01 }),
  },
  {
    id: 'sfadamw',
    label: 'Schedule-Free AdamW',
    from: '@tsoptim/optim',
    lr: 0.0025,
    options: 'warm-up 100 steps; evaluated at y (no eval() switch in the demo loop)',
    make: (p, lr) => new ScheduleFreeAdamW(p, { lr, warmupSteps: 100 }) as unknown as Optimizer,
  },
  {
    id: 'prodigy',
    label: 'Prodigy',
    from: '@tsoptim/optim',
    lr: 1,
    options: 'd estimated, lr 1',
    make: (p, lr) => new Prodigy(p, { lr }) as unknown as Optimizer,
  },
  {
    id: 'muon',
    label: 'Muon',
    from: '@tsoptim/optim',
    lr: 0.02,
    options: 'weight matrices and filters only: biases keep their initial values (Muon takes no 1-D parameters)',
    make: (p, lr) =>
      new Muon(
        p.filter((x) => x.shape.length >= 2),
        { lr },
      ),
  },
];

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
