import * as tf from '@tensorflow/tfjs-core';
import type { Table } from './table.js';
import { type RepeatPolicy, median, now, timeInTurn } from './timing.js';

/** One tfjs backend: tfjs's own Adam and tsoptim's Adam through `@tsoptim/tfjs`, on the same model. */
export interface TfjsAdapterRow {
  readonly backend: string;
  readonly model: string;
  /** Median seconds of one `applyGradients` (the optimizer step alone, gradients given). */
  readonly tfjsStep: number;
  readonly adapterStep: number;
  /** Median seconds of one `model.trainOnBatch` (forward, backward and the step). */
  readonly tfjsTrain: number;
  readonly adapterTrain: number;
  /** Largest |Δ| between the two models' weights after 10 steps on the same gradients (tfjs Adam with eps 1e-8). */
  readonly maxDiff: number;
}

type Layers = typeof import('@tensorflow/tfjs-layers');

/**
 * One Adam step through the adapter beside tfjs's own `tf.train.adam` (eps 1e-8, torch's default), on the same
 * LayersModel (an MLP, batch 64) and the same tfjs backend: the step alone (`applyGradients` with fixed
 * gradients) and a whole `trainOnBatch`. The two are timed in turn, so machine load affects them alike.
 *
 * @param backends - tfjs backends to measure (registered and initialised by the tfjs peer).
 */
export async function measureTfjsAdapter(
  backends: readonly string[],
  policy: RepeatPolicy,
  quick: boolean,
): Promise<{ rows: TfjsAdapterRow[]; notes: string[] }> {
  const notes: string[] = [];
  let tfl: Layers;
  let adapterModule: typeof import('@tsoptim/tfjs');
  let optim: typeof import('@tsoptim/optim');
  try {
    tfl = await import('@tensorflow/tfjs-layers');
    adapterModule = await import('@tsoptim/tfjs');
    optim = await import('@tsoptim/optim');
  } catch (e) {
    return { rows: [], notes: [`tfjs adapter: not measured (${(e as Error).message})`] };
  }
  const hidden = quick ? 32 : 128;
  const batch = quick ? 8 : 64;
  const label = `MLP 784-${hidden}-10, batch ${batch}`;
  const rows: TfjsAdapterRow[] = [];
  for (const backend of backends) {
    await tf.setBackend(backend);
    const makeModel = (seed: number) =>
      tfl.sequential({
        layers: [
          tfl.layers.dense({
            inputShape: [784],
            units: hidden,
            activation: 'relu',
            kernelInitializer: tfl.initializers.glorotUniform({ seed }),
          }),
          tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
        ],
      });
    const a = makeModel(1);
    const b = makeModel(1);
    const tfjsOpt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
    const ours = new adapterModule.TsoptimOptimizer((p) => new optim.Adam(p, { lr: 1e-3 })).bind(b);
    a.compile({ optimizer: tfjsOpt, loss: 'categoricalCrossentropy' });
    b.compile({ optimizer: ours, loss: 'categoricalCrossentropy' });
    const x = tf.randomUniform([batch, 784], 0, 1, 'float32', 7);
    const y = tf.cast(tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 8) as tf.Tensor1D, 10), 'float32');
    // Fixed gradients, named for each model's variables.
    const gradsFor = (m: typeof a): tf.NamedTensorMap => {
      const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, m.apply(x) as tf.Tensor) as tf.Scalar, vars);
      return grads;
    };
    const ga = gradsFor(a);
    const gb = gradsFor(b);
    type Grads = Parameters<typeof tfjsOpt.applyGradients>[0];
    for (let i = 0; i < 10; i++) {
      tfjsOpt.applyGradients(ga as Grads);
      ours.applyGradients(gb);
    }
    let maxDiff = 0;
    a.trainableWeights.forEach((w, i) => {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(w.read(), b.trainableWeights[i]!.read()))).dataSync()[0]!);
      maxDiff = Math.max(maxDiff, d);
    });
    const timeStep = (opt: tf.Optimizer, g: tf.NamedTensorMap) => () => {
      const t0 = now();
      opt.applyGradients(g as Grads);
      tf.tidy(() => tf.sum(Object.values(g)[0]!).dataSync()); // a read: the backend has finished
      return now() - t0;
    };
    const timeTrain = (m: typeof a) => async () => {
      const t0 = now();
      await m.trainOnBatch(x, y);
      return now() - t0;
    };
    const [s1, s2] = await timeInTurn([{ run: timeStep(tfjsOpt, ga) }, { run: timeStep(ours, gb) }], policy);
    const [t1, t2] = await timeInTurn([{ run: timeTrain(a) }, { run: timeTrain(b) }], policy);
    rows.push({
      backend: `tfjs-${backend}`,
      model: label,
      tfjsStep: median(s1!),
      adapterStep: median(s2!),
      tfjsTrain: median(t1!),
      adapterTrain: median(t2!),
      maxDiff,
    });
    tf.dispose([x, y, ...Object.values(ga), ...Object.values(gb)]);
    ours.dispose();
    tfjsOpt.dispose();
    a.dispose();
    b.dispose();
  }
  notes.push(
    `tfjs adapter: ${label}; tfjs's tf.train.adam(1e-3, 0.9, 0.999, 1e-8) beside @tsoptim/tfjs's TsoptimOptimizer over tsoptim's Adam (lr 1e-3), each on its own copy of the model. "step" is one applyGradients with fixed gradients (then a read); "train" is one model.trainOnBatch. max |Δ|: the largest weight difference after 10 steps on the same gradients (float32 rounding).`,
  );
  return { rows, notes };
}

const ms = (s: number): string => (Number.isFinite(s) ? `${(s * 1e3).toFixed(2)} ms` : '—');

/** The comparison as a table. */
export function tfjsAdapterTable(rows: readonly TfjsAdapterRow[]): Table {
  return {
    headers: ['tfjs backend', 'model', 'tfjs Adam step', 'adapter step', 'ratio', 'tfjs Adam train', 'adapter train', 'ratio', 'max |Δ|'],
    rows: rows.map((r) => [
      r.backend,
      r.model,
      ms(r.tfjsStep),
      ms(r.adapterStep),
      `${(r.adapterStep / r.tfjsStep).toFixed(2)}×`,
      ms(r.tfjsTrain),
      ms(r.adapterTrain),
      `${(r.adapterTrain / r.tfjsTrain).toFixed(2)}×`,
      r.maxDiff.toExponential(1),
    ]),
  };
}
