import { type Tensor, createRng, tensor, zeros } from '@tsoptim/core';
import { CosineAnnealingLR } from '@tsoptim/lr-scheduler';
import { BatchNorm1d, Linear, type Module, ReLU, Sequential, crossEntropy, manualSeed, noGrad, tidy } from '@tsoptim/nn';
import { SGD } from '@tsoptim/optim';
import { describe, expect, it } from 'vitest';
import { AveragedModel, SWALR, getEmaMultiAvgFn, updateBn } from './index.js';
import { mnistSplit } from './internal/testing.js';

// The torch.optim docs' SWA and EMA recipes, scaled down, on the MNIST digits shipped in the `mnist` package:
// 400 images per digit train, the next 80 per digit test.
const { trainX, trainY, testX, testY } = mnistSplit(400, 80);
const BATCH = 32;
const n = trainY.length;
/** The loader update_bn passes over: (input, target) pairs in a fixed order. */
const loader: [Tensor, Int32Array][] = [];
for (let s = 0; s + BATCH <= n; s += BATCH) {
  loader.push([tensor(trainX.slice(s * 784, (s + BATCH) * 784), { shape: [BATCH, 784] }), trainY.slice(s, s + BATCH)]);
}
const testInput = tensor(testX, { shape: [testY.length, 784] });

function makeModel(): Sequential {
  manualSeed(1);
  return new Sequential(new Linear(784, 64), new BatchNorm1d(64), new ReLU(), new Linear(64, 10));
}

function accuracy(model: Module): number {
  const wasTraining = model.training;
  model.eval();
  const hits = tidy(() => {
    const logits = noGrad(() => model.forward(testInput)).data;
    let c = 0;
    for (let i = 0; i < testY.length; i++) {
      let best = 0;
      for (let j = 1; j < 10; j++) if (logits[i * 10 + j]! > logits[i * 10 + best]!) best = j;
      if (best === testY[i]) c++;
    }
    return c;
  });
  model.train(wasTraining);
  return hits / testY.length;
}

/** One epoch of shuffled mini-batches; `afterStep` runs after each optimizer step. */
function trainEpoch(model: Module, opt: SGD, seed: number, afterStep?: () => void): void {
  const rng = createRng(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const x = zeros([BATCH, 784]);
  const y = new Int32Array(BATCH);
  for (let s = 0; s + BATCH <= n; s += BATCH) {
    const xs = x.data;
    for (let b = 0; b < BATCH; b++) {
      const r = order[s + b]!;
      xs.set(trainX.subarray(r * 784, (r + 1) * 784), b * 784);
      y[b] = trainY[r]!;
    }
    tidy(() => {
      opt.zeroGrad();
      crossEntropy(model.forward(x), y).backward();
      opt.step();
    });
    afterStep?.();
  }
  x.dispose();
}

describe('the torch.optim docs recipes, scaled down, on MNIST', () => {
  it('SWA: CosineAnnealingLR, then SWALR and averaging from a start epoch, then updateBn', () => {
    const model = makeModel();
    const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const swaModel = new AveragedModel(model);
    const epochs = 8;
    const swaStart = 4;
    const scheduler = new CosineAnnealingLR(opt, { tMax: epochs });
    const swaScheduler = new SWALR(opt, { swaLr: 0.02, annealEpochs: 2 });
    const lrs: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      trainEpoch(model, opt, epoch);
      if (epoch > swaStart) {
        swaModel.updateParameters(model);
        swaScheduler.step();
      } else {
        scheduler.step();
      }
      lrs.push(opt.paramGroups[0]!.lr as number);
    }
    expect(swaModel.nAveraged.item()).toBe(epochs - swaStart - 1);
    expect(lrs[lrs.length - 1]).toBeCloseTo(0.02, 10);
    updateBn(loader, swaModel);
    const bn = swaModel.module.at(1) as BatchNorm1d;
    expect(bn.numBatchesTracked!.item()).toBe(loader.length);
    expect(bn.momentum).toBe(0.1);
    const acc = accuracy(model);
    const swaAcc = accuracy(swaModel);
    console.log(`SWA recipe: model ${(acc * 100).toFixed(1)}%, SWA model ${(swaAcc * 100).toFixed(1)}% test accuracy`);
    expect(swaAcc).toBeGreaterThan(0.88);
    expect(swaAcc).toBeGreaterThan(acc - 0.03);
  });

  it('EMA: AveragedModel with getEmaMultiAvgFn(0.999) updated every step, then updateBn', () => {
    const model = makeModel();
    const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const emaModel = new AveragedModel(model, { multiAvgFn: getEmaMultiAvgFn(0.999) });
    const epochs = 8;
    for (let epoch = 0; epoch < epochs; epoch++) trainEpoch(model, opt, 100 + epoch, () => emaModel.updateParameters(model));
    expect(emaModel.nAveraged.item()).toBe(epochs * loader.length);
    updateBn(loader, emaModel);
    const acc = accuracy(model);
    const emaAcc = accuracy(emaModel);
    console.log(`EMA recipe: model ${(acc * 100).toFixed(1)}%, EMA model ${(emaAcc * 100).toFixed(1)}% test accuracy`);
    expect(emaAcc).toBeGreaterThan(0.85);
  });
});
