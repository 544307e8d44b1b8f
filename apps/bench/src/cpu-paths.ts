/**
 * CPU backend paths side by side: the JavaScript loops, WebAssembly SIMD on one thread, and SIMD on two
 * threads, for Adam-shaped updates at 1×1e7 and 1000×1e4 float32 elements, against the memory ceiling (a
 * kernel with the same loads and stores and trivial arithmetic, and a STREAM-style copy), torch 1.13's CPU
 * Adam in the same run, and the per-step overhead of 100 tensors × 100 elements.
 *
 * The paths (and torch, in a Python child process) are timed in turn within each repeat, so that load from
 * other processes affects them alike; each figure is the median of the timed repeats after warm-up.
 *
 * Run: `npx tsx apps/bench/src/cpu-paths.ts` (`--quick` for fewer repeats, `--no-torch` to skip torch).
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

// Workspace packages resolve from source under the '@tsoptim/source' export condition: re-run with it.
if (process.env.TSOPTIM_BENCH_CHILD !== '1') {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, '--conditions=@tsoptim/source', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, TSOPTIM_BENCH_CHILD: '1' },
    },
  );
  process.exit(r.status ?? 1);
}

const { CpuBackend, Parameter, defineKernel, k, zeros } = await import('@tsoptim/core');
const optim = (await import('@tsoptim/optim')) as unknown as Record<string, unknown>;
const { Adam } = await import('@tsoptim/optim');
type Backend = InstanceType<typeof CpuBackend>;
type Tensor = ReturnType<typeof zeros>;
type Param = InstanceType<typeof Parameter>;

const QUICK = process.argv.includes('--quick');
const REPEATS = QUICK ? 5 : 11;
const WARMUP = 3;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const now = (): number => Number(process.hrtime.bigint()) / 1e9;

/** Adam as torch writes it (L2 weight decay, bias corrections as scalars), defined here with defineKernel. */
const adamShaped = defineKernel({
  name: 'bench_adam',
  inputs: ['param', 'grad', 'exp_avg', 'exp_avg_sq'],
  scalars: ['lr', 'beta1', 'beta2', 'eps', 'bias_correction1', 'bias_correction2', 'weight_decay'],
  outputs: ['param', 'exp_avg', 'exp_avg_sq'],
  body: ({ param, grad, exp_avg, exp_avg_sq }, s) => {
    const g = k.add(grad, k.mul(s.weight_decay, param));
    const m = k.lerp(exp_avg, g, k.sub(1, s.beta1));
    const v = k.add(k.mul(s.beta2, exp_avg_sq), k.mul(k.sub(1, s.beta2), g, g));
    const denom = k.add(k.div(k.sqrt(v), k.sqrt(s.bias_correction2)), s.eps);
    return { param: k.sub(param, k.mul(k.div(s.lr, s.bias_correction1), k.div(m, denom))), exp_avg: m, exp_avg_sq: v };
  },
});
const adamScalars = {
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  bias_correction1: 1 - 0.9 ** 10,
  bias_correction2: 1 - 0.999 ** 10,
  weight_decay: 1e-2,
};

/**
 * The memory ceiling of a kernel with `loads` reads, `stores` in-place writes and `fresh` write-only outputs:
 * trivial arithmetic (one add per output).
 */
function ceilingKernel(loads: number, stores: number, fresh = 0) {
  const ins = Array.from({ length: loads }, (_, i) => `a${i}`);
  const outs = Array.from({ length: fresh }, (_, i) => `o${i}`);
  const last = ins[loads - 1]!;
  return defineKernel({
    name: `ceiling_${loads}_${stores}_${fresh}`,
    inputs: ins,
    outputs: [...ins.slice(0, stores), ...outs],
    body: (t) =>
      Object.fromEntries([
        ...ins.slice(0, stores).map((n) => [n, k.add(t[n]!, t[last]!)]),
        ...outs.map((n, i) => [n, k.add(t[ins[i % loads]!]!, t[last]!)]),
      ]) as never,
  });
}
const copyKernel = defineKernel({ name: 'stream_copy', inputs: ['src'], outputs: ['dst'], body: ({ src }) => ({ dst: src }) });

function filled(backend: Backend, size: number, v: number): Tensor {
  const t = zeros([size], { backend });
  t.data.fill(v);
  return t;
}

/** A prepared workload on one backend: one timed unit of work, and cleanup. */
interface Prepared {
  step(): void;
  dispose(): void;
}

function kernelWorkload(loads: number, stores: number, count: number, size: number, what: 'adam' | 'ceiling' | 'copy', fresh = 0) {
  return (backend: Backend): Prepared => {
    const arrays = Array.from({ length: loads + fresh }, (_, j) =>
      Array.from({ length: count }, () => filled(backend, size, j === 1 ? 0.01 : 0.5)),
    );
    const kern = what === 'adam' ? adamShaped : what === 'copy' ? copyKernel : ceilingKernel(loads, stores, fresh);
    const names =
      what === 'adam'
        ? ['param', 'grad', 'exp_avg', 'exp_avg_sq']
        : what === 'copy'
          ? ['src', 'dst']
          : [...kern.inputs, ...kern.outputs.filter((o) => !(kern.inputs as readonly string[]).includes(o))];
    const args = Array.from({ length: count }, (_, i) => ({
      tensors: Object.fromEntries(names.map((n, j) => [n, arrays[j]![i]!])),
      scalars: what === 'adam' ? adamScalars : {},
    }));
    return {
      step: () => {
        for (let i = 0; i < count; i++) backend.run(kern, args[i]!);
      },
      dispose: () => {
        for (const a of arrays) for (const t of a) t.dispose();
      },
    };
  };
}

function optimWorkload(
  make: (ps: Param[]) => { step(): unknown; stateDict(): { state: Record<string, unknown> } },
  count: number,
  size: number,
  batch = 1,
) {
  return (backend: Backend): Prepared => {
    const ps = Array.from({ length: count }, () => {
      const q = new Parameter(filled(backend, size, 0.5));
      q.grad = filled(backend, size, 0.01);
      return q;
    });
    const opt = make(ps);
    return {
      step: () => {
        for (let i = 0; i < batch; i++) opt.step();
      },
      dispose: () => {
        for (const st of Object.values(opt.stateDict().state)) {
          for (const v of Object.values(st as Record<string, unknown>))
            if (typeof v === 'object' && v !== null && 'dispose' in v) (v as Tensor).dispose();
        }
        for (const q of ps) {
          (q.grad as Tensor).dispose();
          q.dispose();
        }
      },
    };
  };
}

/** torch 1.13 in a child process: `<label>` on stdin → the seconds of one `opt.step()` on stdout. */
class TorchAdam {
  private readonly proc: ChildProcessWithoutNullStreams;
  private buf = '';
  private waiting: ((line: string) => void) | null = null;
  readonly threads: Promise<string>;

  constructor() {
    const script = `
import sys, time, torch
sets = {}
def make(count, size):
    ps = [torch.full((size,), 0.5, requires_grad=True) for _ in range(count)]
    for p in ps: p.grad = torch.full((size,), 0.01)
    return torch.optim.Adam(ps, lr=1e-3, weight_decay=0.01)
print(torch.get_num_threads(), flush=True)
for line in sys.stdin:
    label = line.strip()
    if label == 'drop':
        sets.clear(); print('ok', flush=True); continue
    count, size = (int(float(x)) for x in label.split('x'))
    if label not in sets: sets[label] = make(count, size)
    t0 = time.perf_counter(); sets[label].step(); dt = time.perf_counter() - t0
    print(dt, flush=True)
`;
    this.proc = spawn('/usr/bin/python3', ['-c', script]);
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (d: string) => {
      this.buf += d;
      let i = this.buf.indexOf('\n');
      while (i >= 0 && this.waiting !== null) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const w = this.waiting;
        this.waiting = null;
        w(line);
        i = this.buf.indexOf('\n');
      }
    });
    this.proc.on('exit', () => {
      const w = this.waiting;
      this.waiting = null;
      w?.('NaN');
    });
    this.threads = this.next();
  }

  private next(): Promise<string> {
    return new Promise((resolve) => {
      const i = this.buf.indexOf('\n');
      if (i >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        resolve(line);
        return;
      }
      this.waiting = resolve;
    });
  }

  async step(label: string): Promise<number> {
    this.proc.stdin.write(`${label}\n`);
    return Number(await this.next());
  }

  async drop(): Promise<void> {
    this.proc.stdin.write('drop\n');
    await this.next();
  }

  close(): void {
    this.proc.stdin.end();
  }
}

const paths: { label: string; backend: Backend }[] = [
  { label: 'JS', backend: new CpuBackend({ simd: false }) },
  { label: 'SIMD×1', backend: new CpuBackend({ simd: true, threads: 1 }) },
  { label: 'SIMD×2', backend: new CpuBackend({ simd: true, threads: 2 }) },
];
await Promise.all(paths.map((p) => p.backend.ready()));

let torch: TorchAdam | null = null;
let torchThreads = '';
if (!process.argv.includes('--no-torch')) {
  try {
    torch = new TorchAdam();
    torchThreads = await torch.threads;
  } catch {
    torch = null;
  }
}

interface Row {
  shape: string;
  what: string;
  elements: number;
  /** Median seconds per path label (and 'torch'). */
  seconds: Record<string, number>;
  ceiling?: string | undefined;
  note?: string | undefined;
  /** Rows measured together share a group. */
  group: number;
}
let groupId = 0;
const rows: Row[] = [];
const loadBefore = loadavg()[0]!;

interface Workload {
  readonly what: string;
  readonly make: (b: Backend) => Prepared;
  readonly torch?: string;
  /** The row holding this workload's memory ceiling. */
  readonly ceiling?: string;
  readonly note?: string;
}

type MakeOptimizer = (ps: Param[]) => { step(): unknown; stateDict(): { state: Record<string, unknown> } };
/** Elementwise algorithms of @tsoptim/optim (those present are measured), with torch's defaults unless noted. */
const algorithmSpecs: [string, string, Record<string, unknown>][] = [
  ['Adam', 'Adam', { weightDecay: 0.01 }],
  ['AdamW', 'AdamW', {}],
  ['Adam amsgrad', 'Adam', { amsgrad: true }],
  ['Adamax', 'Adamax', {}],
  ['NAdam', 'NAdam', {}],
  ['RAdam', 'RAdam', {}],
  ['Adagrad', 'Adagrad', {}],
  ['Adadelta', 'Adadelta', {}],
  ['RMSprop', 'RMSprop', {}],
  ['RMSprop centered+momentum', 'RMSprop', { centered: true, momentum: 0.9 }],
  ['Rprop', 'Rprop', {}],
  ['ASGD', 'ASGD', {}],
  ['SGD momentum', 'SGD', { lr: 1e-3, momentum: 0.9 }],
];
const algorithms: { name: string; make: MakeOptimizer }[] = [];
for (const [name, cls, options] of algorithmSpecs) {
  const C = optim[cls] as (new (ps: Param[], o: Record<string, unknown>) => ReturnType<MakeOptimizer>) | undefined;
  if (typeof C === 'function') algorithms.push({ name, make: (ps) => new C(ps, { lr: 1e-3, ...options }) });
}

/**
 * Loads and stores per element of one step of an algorithm, read from the kernels it runs (tensor inputs
 * are loads; outputs that are inputs are in-place stores, others write-only). Null when it cannot run.
 */
function probeTraffic(make: MakeOptimizer): { loads: number; stores: number; fresh: number; kernels: string } | null {
  const b = new CpuBackend({ simd: true });
  const q = new Parameter(filled(b, 64, 0.5));
  q.grad = filled(b, 64, 0.01);
  try {
    const opt = make([q]);
    opt.step();
    let loads = 0;
    let stores = 0;
    let fresh = 0;
    const names: string[] = [];
    const run = b.run.bind(b);
    b.run = (kernel, args) => {
      loads += kernel.inputs.length;
      stores += kernel.outputs.filter((o) => kernel.inputs.includes(o)).length;
      fresh += kernel.outputs.filter((o) => !kernel.inputs.includes(o)).length;
      names.push(kernel.name);
      run(kernel, args);
    };
    const reduce = b.reduce.bind(b);
    b.reduce = (kernel, args) => {
      loads += kernel.inputs.length;
      names.push(`${kernel.name} (reduction)`);
      reduce(kernel, args);
    };
    opt.step();
    if (names.length === 0) return null;
    return { loads, stores, fresh, kernels: names.length > 1 ? `${names.length} kernels/param` : '' };
  } catch {
    return null;
  }
}

/**
 * Times a group of workloads on every path, in turn within each repeat (an algorithm next to its memory
 * ceiling, so that both see the same load from other processes).
 */
async function measure(shape: string, elements: number, group: readonly Workload[]): Promise<void> {
  const prepared = group.map((w) => paths.map((p) => w.make(p.backend)));
  const simdOne = paths.find((p) => p.label === 'SIMD×1')!.backend;
  const js0 = simdOne.pathCounts().js;
  const samples = group.map(() => {
    const m: Record<string, number[]> = { torch: [] };
    for (const p of paths) m[p.label] = [];
    return m;
  });
  for (let r = 0; r < WARMUP + REPEATS; r++) {
    for (let w = 0; w < group.length; w++) {
      for (let j = 0; j < paths.length; j++) {
        // The JS path is 5–10× slower: half as many repeats of it on large workloads.
        if (paths[j]!.label === 'JS' && r >= WARMUP && r % 2 === 1 && elements >= 1e6) continue;
        const t0 = now();
        prepared[w]![j]!.step();
        if (r >= WARMUP) samples[w]![paths[j]!.label]!.push(now() - t0);
      }
      const tl = group[w]!.torch;
      if (torch !== null && tl !== undefined) {
        const dt = await torch.step(tl);
        if (r >= WARMUP && Number.isFinite(dt)) samples[w]!.torch!.push(dt);
      }
    }
  }
  for (const ps of prepared) for (const p of ps) p.dispose();
  if (torch !== null && group.some((w) => w.torch !== undefined)) await torch.drop();
  const fellBack = simdOne.pathCounts().js > js0;
  groupId++;
  group.forEach((w, i) => {
    const seconds = Object.fromEntries(
      Object.entries(samples[i]!)
        .filter(([, s]) => s.length > 0)
        .map(([l, s]) => [l, median(s)]),
    );
    const note = [w.note, fellBack && w.ceiling !== undefined ? 'some runs on the JS path' : ''].filter(Boolean).join(', ');
    rows.push({ shape, what: w.what, elements, seconds, ceiling: w.ceiling, note, group: groupId });
  });
}

const shapes = [
  { label: '1×1e7', count: 1, size: 1e7, torch: '1x1e7' },
  { label: '1000×1e4', count: 1000, size: 1e4, torch: '1000x1e4' },
];
for (const s of shapes) {
  const n = s.count * s.size;
  const { count, size } = s;
  await measure(s.label, n, [
    { what: 'Adam kernel (defineKernel)', make: kernelWorkload(4, 3, count, size, 'adam'), ceiling: 'ceiling 4L/3S' },
    {
      what: 'Adam (optim, wd=0.01)',
      make: optimWorkload((ps) => new Adam(ps, { lr: 1e-3, weightDecay: 0.01 }), count, size),
      torch: s.torch,
      ceiling: 'ceiling 4L/3S',
    },
    { what: 'ceiling 4L/3S', make: kernelWorkload(4, 3, count, size, 'ceiling') },
    { what: 'STREAM copy', make: kernelWorkload(2, 1, count, size, 'copy') },
  ]);
  for (const algo of algorithms) {
    const traffic = probeTraffic(algo.make);
    if (traffic === null) continue;
    const { loads, stores, fresh, kernels } = traffic;
    const ceiling = `ceiling ${loads}L/${stores + fresh}S`;
    await measure(s.label, n, [
      { what: algo.name, make: optimWorkload(algo.make, count, size), ceiling, note: kernels },
      { what: ceiling, make: kernelWorkload(loads, stores, count, size, 'ceiling', fresh) },
    ]);
  }
}
// The other limit: the f32x4 divide/sqrt unit. A sqrt, a divide, or both per element on 4096-element arrays
// (in cache), 2000 passes per sample. Compute roofline of an algorithm: 1 / (sqrts/S + divides/D).
const inCache = (what: string, body: (x: ReturnType<typeof k.c>, y: ReturnType<typeof k.c>) => ReturnType<typeof k.c>): Workload => {
  const kern = defineKernel({
    name: what.replace(/\W/g, '_'),
    inputs: ['x', 'y'],
    outputs: ['x'],
    body: ({ x, y }) => ({ x: body(x, y) }),
  });
  return {
    what,
    make: (backend) => {
      const x = filled(backend, 4096, 2);
      const y = filled(backend, 4096, 3);
      return {
        step: () => {
          for (let i = 0; i < 2000; i++) backend.run(kern, { tensors: { x, y } });
        },
        dispose: () => {
          x.dispose();
          y.dispose();
        },
      };
    },
  };
};
await measure('4096×2000', 4096 * 2000, [
  inCache('sqrt in cache (S)', (x, y) => k.add(y, k.sqrt(x))),
  inCache('divide in cache (D)', (x, y) => k.div(y, k.add(x, 1))),
  inCache('sqrt+divide in cache', (x, y) => k.div(y, k.add(k.sqrt(x), 1))),
]);
// Per-step overhead: 100 tensors × 100 elements, 200 steps per sample.
const BATCH = 200;
await measure('100×100', 100 * 100 * BATCH, [
  { what: 'Adam.step()', make: optimWorkload((ps) => new Adam(ps, { lr: 1e-3 }), 100, 100, BATCH) },
  {
    what: '100 × backend.run (Adam kernel)',
    make: (backend) => {
      const w = kernelWorkload(4, 3, 100, 100, 'adam')(backend);
      return {
        step: () => {
          for (let i = 0; i < BATCH; i++) w.step();
        },
        dispose: w.dispose,
      };
    },
  },
]);
torch?.close();
for (const p of paths) {
  const c = p.backend.pathCounts();
  console.error(`[${p.label}] runs: simd ${c.simd} (threaded ${c.threaded}), js ${c.js}`);
  p.backend.dispose();
}

// The table: elements/s per path; µs per step for the overhead rows; ratios.
const labels = [...paths.map((p) => p.label), 'torch'];
const fmt = (x: number | undefined): string => (x === undefined ? '' : x.toExponential(2));
console.log(`\nCPU paths, float32: elements/s (median of ${REPEATS} after ${WARMUP} warm-up; paths timed in turn)`);
console.log(`${'shape'.padEnd(9)} ${'workload'.padEnd(32)} ${labels.map((l) => l.padStart(9)).join(' ')}  notes`);
for (const r of rows) {
  const overhead = r.shape === '100×100';
  const cells = labels.map((l) => {
    const s = r.seconds[l];
    if (s === undefined) return ''.padStart(9);
    return (overhead ? `${((s / BATCH) * 1e6).toFixed(1)}µs` : fmt(r.elements / s)).padStart(9);
  });
  const notes: string[] = [];
  if (r.note) notes.push(r.note);
  if (!overhead && r.ceiling !== undefined) {
    const c = rows.find((x) => x.group === r.group && x.what === r.ceiling);
    if (c) {
      for (const l of ['SIMD×1', 'SIMD×2']) {
        if (r.seconds[l] !== undefined && c.seconds[l] !== undefined)
          notes.push(`${l} ${((100 * c.seconds[l]) / r.seconds[l]).toFixed(0)}% of ceiling`);
      }
    }
    if (r.seconds.torch !== undefined) {
      for (const l of ['SIMD×1', 'SIMD×2']) notes.push(`${l} ${(r.seconds.torch / r.seconds[l]!).toFixed(1)}× torch`);
    }
  }
  if (r.what === 'STREAM copy') notes.push(`SIMD×1 ${((r.elements * 8) / r.seconds['SIMD×1']! / 1e9).toFixed(1)} GB/s`);
  if (r.what === 'ceiling 4L/3S') notes.push(`SIMD×1 ${((r.elements * 28) / r.seconds['SIMD×1']! / 1e9).toFixed(1)} GB/s`);
  console.log(`${r.shape.padEnd(9)} ${r.what.padEnd(32)} ${cells.join(' ')}  ${notes.join(', ')}`);
}
if (torch !== null) console.log(`torch: torch.optim.Adam (1.13, CPU, weight_decay=0.01, ${torchThreads} intra-op threads)`);
console.log('tfjs-wasm: not installed in this workspace, not measured.');
console.log(`1-minute load average before/after: ${loadBefore.toFixed(2)} / ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} CPUs`);
