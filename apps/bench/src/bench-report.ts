import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gemmTables } from './bench-gemm.js';
import type { ThroughputRow } from './bench-measure.js';
import type { BenchResult } from './run-bench.js';
import { tfjsAdapterTable } from './tfjs-adapter-bench.js';
import { type Table, formatTable, markdownTable, ratio, sci } from './table.js';

/** Files written by the benchmark. */
export interface BenchFiles {
  readonly dir: string;
  readonly json: string;
  readonly markdown: string;
}

/** The one-thread tsoptim column (SIMD on one thread where available) and the two-thread one. */
function mainLabels(result: BenchResult): { one: string; two: string | null } {
  const labels = result.meta.backends.map((b) => b.label);
  const one = labels.includes('SIMD×1') ? 'SIMD×1' : (labels[0] ?? 'JS');
  return { one, two: labels.includes('SIMD×2') ? 'SIMD×2' : null };
}

const rate = (row: ThroughputRow, label: string | null): number | undefined => (label === null ? undefined : row.cells[label]?.rate);
const over = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a / b);
const pct = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(0)} %`);
const fixed = (x: number | null, digits: number): string => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const gb = (x: number | null | undefined): string => (x === undefined || x === null || !Number.isFinite(x) ? '—' : x.toFixed(1));

/** Memory bandwidth per shape: Node's memcpy, the copy kernel per backend, torch's copy_ (GB/s). */
export function bandwidthTable(result: BenchResult): Table {
  const labels = [...new Set(result.bandwidth.flatMap((b) => Object.keys(b.kernelCopy)))];
  return {
    headers: ['shape', 'memcpy GB/s', ...labels.map((l) => `${l} copy GB/s`), 'torch copy_ GB/s', 'Adam limit by memcpy (28 B)'],
    rows: result.bandwidth.map((b) => [
      b.shape,
      gb(b.memcpy),
      ...labels.map((l) => gb(b.kernelCopy[l])),
      gb(b.torchCopy),
      sci((b.memcpy * 1e9) / 28),
    ]),
  };
}

/**
 * The headline: Adam and SGD momentum per shape, tsoptim on one thread (and two) as elements/s, as a
 * percentage of the memory limit measured in the same run, and as a ratio to torch and tfjs.
 */
export function headlineRows(result: BenchResult, algorithms: readonly string[] = ['Adam', 'SGD momentum']): Table {
  const { one, two } = mainLabels(result);
  const rows = result.throughput.filter((r) => algorithms.includes(r.algorithm));
  return {
    headers: [
      'shape',
      'algorithm',
      `tsoptim ${one}`,
      '% of limit',
      '× torch×1',
      '× tfjs-wasm',
      '× tfjs-cpu',
      ...(two ? [`tsoptim ${two}`, '% of limit ×2', '× torch×2'] : []),
      'limit ×1 (B/elem)',
    ],
    rows: rows.map((r) => {
      const a = rate(r, one);
      const b = rate(r, two);
      return [
        r.shape,
        r.algorithm,
        sci(a),
        pct(over(a, rate(r, 'limit ×1'))),
        ratio(over(a, rate(r, 'torch×1'))),
        ratio(over(a, rate(r, 'tfjs-wasm'))),
        ratio(over(a, rate(r, 'tfjs-cpu'))),
        ...(two ? [sci(b), pct(over(b, rate(r, 'limit ×2'))), ratio(over(b, rate(r, 'torch×2')))] : []),
        `${sci(rate(r, 'limit ×1'))} (${r.traffic?.bytes ?? '—'})`,
      ];
    }),
  };
}

/** Every algorithm on one thread: elements/s, % of its limit and × torch, one column group per shape. */
export function allAlgorithmsTable(result: BenchResult): Table {
  const { one } = mainLabels(result);
  const shapes = [...new Set(result.throughput.map((r) => r.shape))];
  const algorithms = [...new Set(result.throughput.map((r) => r.algorithm))];
  return {
    headers: ['algorithm', 'B/elem', ...shapes.flatMap((s) => [`${s} ${one}`, '% limit', '× torch'])],
    rows: algorithms.map((a) => {
      const rows = shapes.map((s) => result.throughput.find((r) => r.shape === s && r.algorithm === a));
      const t = rows.find((r) => r?.traffic)?.traffic;
      return [
        a,
        t ? String(t.bytes) : '—',
        ...rows.flatMap((r) => {
          if (!r) return ['—', '—', '—'];
          const x = rate(r, one);
          return [sci(x), pct(over(x, rate(r, 'limit ×1'))), ratio(over(x, rate(r, 'torch×1')))];
        }),
      ];
    }),
  };
}

function columnsOf(rows: readonly ThroughputRow[]): string[] {
  const order = [
    'JS',
    'SIMD×1',
    'SIMD×2',
    'gpu.js headlessgl',
    'gpu.js cpu',
    'limit ×1',
    'limit ×2',
    'torch×1',
    'torch×2',
    'tfjs-wasm',
    'tfjs-cpu',
  ];
  const seen = new Set(rows.flatMap((r) => Object.keys(r.cells)));
  return [...order.filter((l) => seen.has(l)), ...[...seen].filter((l) => !order.includes(l))];
}

/** Every column of every throughput row of one shape (elements/s). */
export function detailTable(rows: readonly ThroughputRow[]): Table {
  const cols = columnsOf(rows);
  return {
    headers: ['algorithm', 'loads/stores', ...cols, 'notes'],
    rows: rows.map((r) => [
      r.algorithm,
      r.traffic
        ? `${r.traffic.loads}L/${r.traffic.stores + r.traffic.fresh}S${r.traffic.kernels + r.traffic.reductions > 1 ? ` (${r.traffic.kernels}k+${r.traffic.reductions}r)` : ''}`
        : '—',
      ...cols.map((c) => sci(r.cells[c]?.rate)),
      r.notes.join('; '),
    ]),
  };
}

/** Steps per second on the small model, every column. */
export function overheadTable(result: BenchResult): Table {
  const cols = columnsOf(result.overhead);
  return {
    headers: ['algorithm', ...cols.map((c) => `${c} steps/s`)],
    rows: result.overhead.map((r) => [r.algorithm, ...cols.map((c) => (r.cells[c] ? r.cells[c]!.rate.toFixed(0) : '—'))]),
  };
}

/** State bytes per parameter (tsoptim and torch) and RSS per algorithm. */
export function memoryTable(result: BenchResult): Table {
  return {
    headers: ['algorithm', 'state B/param', 'torch state B/param', 'params+grads+state MB', 'RSS growth MB', 'peak RSS MB', 'notes'],
    rows: result.memory.map((m) => [
      m.algorithm,
      fixed(m.stateBytesPerParam, 1),
      fixed(m.torchStateBytesPerParam, 1),
      fixed(m.expectedMB, 1),
      fixed(m.rssGrowthMB, 1),
      fixed(m.peakRssMB, 0),
      m.error ?? '',
    ]),
  };
}

/** The issue's targets for Adam on one thread, with what this run measured. */
export function targetLines(result: BenchResult): string[] {
  const { one } = mainLabels(result);
  const adam = (shape: string) => result.throughput.find((r) => r.algorithm === 'Adam' && r.shape === shape);
  const out: string[] = [];
  const check = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'not met');
  for (const [shape, torchTimes] of [
    ['1×1e7', 7],
    ['1000×1e4', 5],
  ] as const) {
    const r = adam(shape);
    if (!r) continue;
    const x = rate(r, one);
    const t = over(x, rate(r, 'torch×1'));
    const w = over(x, rate(r, 'tfjs-wasm'));
    out.push(
      `Adam ${shape}, one thread: ${sci(x)} elements/s (target ≥ 1.0e9: ${check(x === undefined ? undefined : x >= 1e9)}); ` +
        `${ratio(t)} torch (target ≥ ${torchTimes}×: ${check(t === undefined ? undefined : t >= torchTimes)}); ` +
        `${ratio(w)} tfjs-wasm (target ≥ 10×: ${check(w === undefined ? undefined : w >= 10)})`,
    );
  }
  return out;
}

function describe(result: BenchResult): string[] {
  const m = result.meta;
  return [
    `${m.cpu}, ${m.cores} cores, Node ${m.node}; ${m.quick ? 'QUICK run (tiny shapes, one repeat: checks that it runs; the numbers mean nothing)' : `median of ${m.policy.minRepeats}–${m.policy.maxRepeats} steps after ${m.policy.warmup} warm-up, workloads timed in turn`}; 1-minute load ${m.loadBefore.toFixed(2)} → ${m.loadAfter.toFixed(2)}; ${m.seconds.toFixed(0)} s.`,
    `tsoptim: ${m.backends.map((b) => `${b.label} = ${b.note}`).join('; ')}.`,
    `Peers: ${m.torch ?? 'torch not measured'}; ${m.tfjs ?? 'tfjs not measured'}.`,
    "Limit: a kernel with the algorithm's own loads and stores per element and trivial arithmetic, on the same tensors' shapes and the SIMD backend (×1: one thread, ×2: two), timed next to the algorithm.",
  ];
}

/**
 * The text printed at the end of the benchmark: the bandwidth, the headline (Adam and SGD momentum: elements/s,
 * % of limit, ratios to torch and tfjs), the targets, every algorithm on one thread, and the notes.
 */
export function headlineTable(result: BenchResult): string {
  const adamOverhead = result.overhead.filter((r) => r.algorithm === 'Adam' || r.algorithm === 'SGD momentum');
  const gemm = result.gemm === null ? [] : ['', 'Matrix products and the MLP step:', ...gemmTables(result.gemm)];
  const optim =
    result.throughput.length === 0
      ? []
      : [
          '',
          'Memory bandwidth (STREAM-style copy, 8 B per element):',
          formatTable(bandwidthTable(result)),
          '',
          'Optimizer step throughput, float32 elements/s, and ratios (headline):',
          formatTable(headlineRows(result)),
          '',
          ...targetLines(result),
          '',
          'Every algorithm on one thread:',
          formatTable(allAlgorithmsTable(result)),
          '',
          `Per-step overhead (${result.overhead[0]?.shape ?? ''}), steps/s:`,
          formatTable({
            ...overheadTable(result),
            rows: overheadTable(result).rows.filter((_, i) => adamOverhead.includes(result.overhead[i]!)),
          }),
        ];
  return [
    '',
    ...describe(result),
    ...gemm,
    ...optim,
    '',
    ...(result.tfjsAdapter.length > 0
      ? [
          "One Adam step in a tfjs model: tfjs's own Adam vs tsoptim's through @tsoptim/tfjs:",
          formatTable(tfjsAdapterTable(result.tfjsAdapter)),
          '',
        ]
      : []),
    ...result.notes.map((n) => `Note: ${n}`),
  ].join('\n');
}

/**
 * Writes `bench.json` (everything measured) and `bench.md` (every table) to `dir`.
 *
 * @example
 * const files = writeBenchFiles('apps/bench/results', result);
 */
export function writeBenchFiles(dir: string, result: BenchResult): BenchFiles {
  mkdirSync(dir, { recursive: true });
  const files: BenchFiles = { dir, json: join(dir, 'bench.json'), markdown: join(dir, 'bench.md') };
  writeFileSync(files.json, `${JSON.stringify(result, null, 1)}\n`);
  const shapes = [...new Set(result.throughput.map((r) => r.shape))];
  const gemm = result.gemm === null ? [] : ['## Matrix products and the MLP step', '', ...gemmTables(result.gemm), ''];
  const optim =
    result.throughput.length === 0
      ? []
      : [
          '## Headline: Adam and SGD momentum',
          '',
          markdownTable(headlineRows(result)),
          '',
          ...targetLines(result).map((l) => `- ${l}`),
          '',
          '## Memory bandwidth',
          '',
          markdownTable(bandwidthTable(result)),
          '',
          '## Every algorithm on one thread',
          '',
          markdownTable(allAlgorithmsTable(result)),
          '',
          ...shapes.flatMap((s) => [
            `## ${s}: elements/s, every column`,
            '',
            markdownTable(detailTable(result.throughput.filter((r) => r.shape === s))),
            '',
          ]),
          `## Per-step overhead (${result.overhead[0]?.shape ?? ''})`,
          '',
          markdownTable(overheadTable(result)),
          '',
          '## Optimizer memory',
          '',
          markdownTable(memoryTable(result)),
          '',
        ];
  const md = [
    '# tsoptim benchmark',
    '',
    ...describe(result).map((l) => `${l}  `),
    '',
    ...gemm,
    ...optim,
    ...(result.tfjsAdapter.length > 0
      ? ['## tfjs models: tfjs Adam vs @tsoptim/tfjs', '', markdownTable(tfjsAdapterTable(result.tfjsAdapter)), '']
      : []),
    '## Notes',
    '',
    ...result.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  writeFileSync(files.markdown, md);
  return files;
}
