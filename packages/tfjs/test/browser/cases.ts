// Shared by the page (entry.ts) and the Node side of the WebGL test: the optimizers checked step for step.
import {
  ASGD,
  Adadelta,
  Adagrad,
  Adam,
  AdamW,
  Adamax,
  NAdam,
  type Optimizer,
  type ParamsInput,
  RAdam,
  RMSprop,
  Rprop,
  SGD,
} from '@tsoptim/optim';

export const INIT = [0.5, -1, 0.25, 2, -0.75, 1.5];
export const SHAPE = [3, 2];
export const STEPS = 8;

/** The gradient sequence (float32 values). */
export function gradAt(step: number, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, j) => Math.sin(1 + step * 7 + j * 3) * (j % 2 ? 1 : 0.01));
}

export const CASES: readonly (readonly [string, (p: ParamsInput) => Optimizer])[] = [
  ['Adam (amsgrad)', (p) => new Adam(p, { lr: 0.1, amsgrad: true })],
  ['AdamW', (p) => new AdamW(p, { lr: 0.1, weightDecay: 0.1 })],
  ['SGD (nesterov)', (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ['RMSprop (centered, momentum)', (p) => new RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5 })],
  ['Adagrad', (p) => new Adagrad(p, { lr: 0.1, lrDecay: 0.01 })],
  ['Adadelta', (p) => new Adadelta(p, { lr: 1 })],
  ['Adamax', (p) => new Adamax(p, { lr: 0.1 })],
  ['NAdam', (p) => new NAdam(p, { lr: 0.1 })],
  ['RAdam', (p) => new RAdam(p, { lr: 0.1 })],
  ['ASGD', (p) => new ASGD(p, { lr: 0.1, t0: 2 })],
  ['Rprop', (p) => new Rprop(p, { lr: 0.05 })],
];
