import { Tensor } from '@tsoptim/core';
import { BatchNorm1d, type Module, Variable, noGrad, tidy } from '@tsoptim/nn';

/** A batch of a loader: the input, or a tuple whose first element is the input (as torch's `update_bn`). */
export type LoaderBatch = Tensor | Variable | readonly [Tensor | Variable, ...unknown[]];

/**
 * Recomputes the BatchNorm running statistics of `model` with one pass over `loader` (torch's
 * `torch.optim.swa_utils.update_bn`), as SWA needs after averaging weights.
 *
 * Every BatchNorm layer's statistics are reset (mean 0, variance 1, no batches tracked) and its momentum set to
 * null, so the pass computes a cumulative (equal-weight) average over the batches in training mode without
 * recording gradients. Afterwards the momenta and the model's training mode are restored. A model without
 * BatchNorm is left untouched. If the pass throws, the statistics are restored as well.
 *
 * @param loader - batches: tensors, or tuples `[input, target, ...]`.
 * @param model - the model (an `AveragedModel` too).
 * @example
 * updateBn(trainBatches, swaModel);
 */
export function updateBn(loader: Iterable<LoaderBatch>, model: Module): void {
  const layers = model.modules().filter((m): m is BatchNorm1d => BatchNorm1d.isBatchNorm(m) && m.runningMean !== null);
  if (layers.length === 0) return;
  const saved = layers.map((m) => ({ momentum: m.momentum, buffers: m.buffers().map((b) => [b, b.clone()] as const) }));
  const wasTraining = model.training;
  try {
    for (const m of layers) {
      m.resetRunningStats();
      m.momentum = null;
    }
    model.train();
    noGrad(() => {
      for (const batch of loader) {
        const input = Tensor.isTensor(batch) || Variable.isVariable(batch) ? batch : (batch as readonly unknown[])[0];
        tidy(() => {
          model.forward(input as Tensor | Variable);
        });
      }
    });
  } catch (e) {
    for (const s of saved) for (const [b, copy] of s.buffers) b.copy_(copy);
    throw e;
  } finally {
    layers.forEach((m, i) => {
      m.momentum = saved[i]!.momentum;
    });
    model.train(wasTraining);
  }
}
