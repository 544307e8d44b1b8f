/**
 * `pnpm soak [options]`: the memory soak (see src/run-soak.ts and `--help`).
 */
import { Command } from 'commander';
import { SOAK_LOOPS, type SoakLoop, runSoak } from './run-soak.js';

const program = new Command()
  .name('soak')
  .description(
    'Runs the loops users write (README quick start, per-step inputs with using, a held tensor.data view, an nn MLP without tidy(), noGrad evaluation; gpu.js with --gpujs) for many steps and prints RSS, WebAssembly capacity and live tensor bytes/blocks as they go.',
  )
  .option('--steps <n>', 'steps per CPU loop', (v) => Number.parseInt(v, 10), 100_000)
  .option('--gpujs-steps <n>', 'steps of the gpu.js loop', (v) => Number.parseInt(v, 10), 5000)
  .option('--samples <n>', 'samples per loop', (v) => Number.parseInt(v, 10), 10)
  .option('-l, --loops <ids>', `comma-separated loops (${SOAK_LOOPS.join(', ')})`)
  .option('--gpujs', 'add the gpu.js loop (headless-gl)', false)
  .showHelpAfterError();

program.parse(process.argv.filter((a, i) => !(i === 2 && a === '--')));
const o = program.opts<{ steps: number; gpujsSteps: number; samples: number; loops?: string; gpujs: boolean }>();
const loops = (o.loops?.split(',').map((s) => s.trim()) ?? SOAK_LOOPS.filter((l) => l !== 'gpujs' || o.gpujs)) as SoakLoop[];
const unknown = loops.filter((l) => !(SOAK_LOOPS as readonly string[]).includes(l));
if (unknown.length > 0) {
  console.error(`soak: unknown loop(s) ${unknown.join(', ')}`);
  process.exitCode = 1;
} else {
  await runSoak({ steps: o.steps, gpujsSteps: o.gpujsSteps, samples: o.samples, loops });
}
