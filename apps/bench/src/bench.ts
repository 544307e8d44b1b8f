/**
 * The benchmark's command line: `pnpm bench [options]` (see `--help`). Optimizer step throughput of every
 * algorithm × backend × shape beside the memory limit, tfjs and torch; per-step overhead; state bytes and RSS.
 */
import { Command, Option } from 'commander';
import { BACKEND_NAMES, type BackendName } from './backends.js';
import { BENCH_ALGORITHMS } from './bench-algorithms.js';
import { BENCH_DEFAULT_OUT, runBench } from './run-bench.js';

const program = new Command()
  .name('bench')
  .description(
    'Matrix products (GFLOP/s) and one MLP training step beside numpy/OpenBLAS and tfjs-wasm; optimizer step throughput (float32 elements/s) of every algorithm × backend × shape (1×1e6, 1×1e7, 1000×1e4), beside the memory-bandwidth limit measured in the same run, tfjs (cpu, wasm) and torch (CPU); per-step overhead, state bytes per parameter and peak RSS.',
  )
  .option('--quick', 'tiny shapes and one repeat (a smoke test; the numbers mean nothing)', false)
  .option('-a, --algorithms <ids>', `comma-separated algorithm ids (known: ${BENCH_ALGORITHMS.map((a) => a.id).join(', ')})`)
  .addOption(
    new Option(
      '-b, --backends <names>',
      `comma-separated tsoptim backends (${BACKEND_NAMES.filter((n) => !n.startsWith('gpujs')).join(', ')})`,
    ).default('cpu-js,cpu-simd,cpu-simd2'),
  )
  .option('--no-gpujs', 'do not measure a gpu.js backend')
  .option('--no-torch', 'do not compare with torch')
  .option('--no-tfjs', 'do not compare with tfjs')
  .option('--no-numpy', 'do not compare matrix products with numpy')
  .option('--no-gemm', 'do not measure matrix products and the MLP step')
  .option('--gemm-only', 'measure only matrix products and the MLP step', false)
  .option('--budget <seconds>', 'time per workload and row before repeats stop at their minimum', Number.parseFloat, 1.5)
  .option('--out <dir>', 'folder for bench.json and bench.md', BENCH_DEFAULT_OUT)
  .option('--no-progress', 'no progress bar')
  .showHelpAfterError();

// `pnpm bench -- --flag` hands the script a literal `--` first: drop it.
program.parse(process.argv.filter((a, i) => !(i === 2 && a === '--')));
const o = program.opts<{
  quick: boolean;
  algorithms?: string;
  backends: string;
  gpujs: boolean;
  torch: boolean;
  tfjs: boolean;
  numpy: boolean;
  gemm: boolean;
  gemmOnly: boolean;
  budget: number;
  out: string;
  progress: boolean;
}>();
const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const backends = list(o.backends);
const unknown = backends.filter((b) => !(BACKEND_NAMES as readonly string[]).includes(b));

if (unknown.length > 0) {
  console.error(`bench: unknown backend(s) ${unknown.join(', ')}`);
  process.exitCode = 1;
} else {
  try {
    await runBench({
      quick: o.quick,
      ...(o.algorithms ? { algorithms: list(o.algorithms) } : {}),
      backends: backends as BackendName[],
      ...(o.quick && o.gpujs ? {} : { gpujs: o.gpujs }),
      torch: o.torch,
      tfjs: o.tfjs,
      numpy: o.numpy,
      gemm: o.gemm,
      optimizers: !o.gemmOnly,
      budgetSeconds: o.budget,
      outDir: o.out,
      ...(o.progress ? {} : { progress: false }),
    });
  } catch (e) {
    console.error(`bench: ${(e as Error).stack ?? e}`);
    process.exitCode = 1;
  }
}
