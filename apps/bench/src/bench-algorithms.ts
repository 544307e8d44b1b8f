import type { Parameter } from '@tsoptim/core';
import { AdaBelief } from '@tsoptim/adaptive';
import { AdamTF } from '@tsoptim/alf';
import { ASGD, Adadelta, Adafactor, Adagrad, Adam, Adamax, AdamW, NAdam, type Optimizer, RAdam, RMSprop, Rprop, SGD } from '@tsoptim/optim';
import type { TfjsAlgorithm } from './tfjs-peer.js';

/** One optimizer step measured by the benchmark. */
export interface BenchAlgorithm {
  /** Command-line id, and the name torch_peer.py knows it by. */
  readonly id: string;
  readonly label: string;
  /** Builds it with lr 1e-3 and torch's defaults otherwise (as torch_peer.py does). */
  make(params: Parameter[]): Optimizer;
  /** Measured on torch too (torch 1.13 has it). */
  readonly torch: boolean;
  /** Measured on tfjs too. */
  readonly tfjs?: TfjsAlgorithm;
}

/**
 * Every dense optimizer step the benchmark measures: torch.optim's algorithms (lr 1e-3, torch's defaults;
 * SGD with momentum 0.9), then Adafactor (not in torch 1.13) and one each from the labml and ALF families.
 * LBFGS (a closure-driven line search) and SparseAdam (sparse gradients) have no dense elementwise step to
 * compare and are left out.
 */
export const BENCH_ALGORITHMS: readonly BenchAlgorithm[] = [
  { id: 'adam', label: 'Adam', make: (p) => new Adam(p, { lr: 1e-3 }), torch: true, tfjs: 'adam' },
  { id: 'sgd-momentum', label: 'SGD momentum', make: (p) => new SGD(p, { lr: 1e-3, momentum: 0.9 }), torch: true, tfjs: 'sgd-momentum' },
  { id: 'adamw', label: 'AdamW', make: (p) => new AdamW(p, { lr: 1e-3 }), torch: true },
  {
    id: 'adam-guarded',
    label: 'Adam + skipNonFinite',
    // The opt-in non-finite guard: one fused finiteness reduction per gradient before the step.
    make: (p) => Object.assign(new Adam(p, { lr: 1e-3 }), { skipNonFinite: true }),
    torch: false,
  },
  { id: 'adam-amsgrad', label: 'Adam amsgrad', make: (p) => new Adam(p, { lr: 1e-3, amsgrad: true }), torch: true },
  { id: 'adamax', label: 'Adamax', make: (p) => new Adamax(p, { lr: 1e-3 }), torch: true },
  { id: 'nadam', label: 'NAdam', make: (p) => new NAdam(p, { lr: 1e-3 }), torch: true },
  { id: 'radam', label: 'RAdam', make: (p) => new RAdam(p, { lr: 1e-3 }), torch: true },
  { id: 'adagrad', label: 'Adagrad', make: (p) => new Adagrad(p, { lr: 1e-3 }), torch: true },
  { id: 'adadelta', label: 'Adadelta', make: (p) => new Adadelta(p, { lr: 1e-3 }), torch: true },
  { id: 'rmsprop', label: 'RMSprop', make: (p) => new RMSprop(p, { lr: 1e-3 }), torch: true },
  { id: 'rprop', label: 'Rprop', make: (p) => new Rprop(p, { lr: 1e-3 }), torch: true },
  { id: 'asgd', label: 'ASGD', make: (p) => new ASGD(p, { lr: 1e-3 }), torch: true },
  { id: 'adafactor', label: 'Adafactor', make: (p) => new Adafactor(p, { lr: 1e-3 }), torch: false },
  { id: 'adabelief', label: 'AdaBelief (labml)', make: (p) => new AdaBelief(p, { lr: 1e-3 }) as unknown as Optimizer, torch: false },
  { id: 'adamtf', label: 'AdamTF (ALF)', make: (p) => new AdamTF(p, { lr: 1e-3 }), torch: false },
];

/**
 * The algorithms for a list of ids (all of them for `undefined`).
 *
 * @throws Error naming unknown ids.
 */
export function pickAlgorithms(ids?: readonly string[]): BenchAlgorithm[] {
  if (ids === undefined) return [...BENCH_ALGORITHMS];
  const unknown = ids.filter((id) => !BENCH_ALGORITHMS.some((a) => a.id === id));
  if (unknown.length > 0)
    throw new Error(`unknown algorithm(s): ${unknown.join(', ')} (known: ${BENCH_ALGORITHMS.map((a) => a.id).join(', ')})`);
  return ids.map((id) => BENCH_ALGORITHMS.find((a) => a.id === id)!);
}
