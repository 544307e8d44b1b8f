import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parameter, tensor } from '@tsoptim/core';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIMIZER_IDS, DEMO_OPTIMIZERS, pickOptimizers } from '../src/demo-optimizers.js';
import { loadMnist } from '../src/mnist-data.js';
import { smooth } from '@tsoptim/plots';
import { runBench } from '../src/run-bench.js';
import { MODEL_DEFAULTS, runDemo } from '../src/run-demo.js';
import { formatTable, markdownTable } from '../src/table.js';
import { torchUnavailableReason } from '../src/torch-peer.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsoptim-bench-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const quiet = () => {};

describe('the MNIST data', () => {
  it('splits the 10,000 shipped digits the same way every time', () => {
    const a = loadMnist();
    expect(a.train.size).toBe(7996);
    expect(a.test.size).toBe(2004);
    expect(a.train.x.length).toBe(7996 * 784);
    const b = loadMnist({ trainLimit: 100, testLimit: 20 });
    expect(b.train.size).toBe(100);
    // The limited prefix is class-balanced.
    expect(new Set(b.train.y).size).toBe(10);
    expect(b.train.x.subarray(0, 784)).toEqual(a.train.x.subarray(0, 784));
  });
});

describe('the demo, reduced', () => {
  it('trains every default optimizer, prints the table and writes the report with its plots', async () => {
    const out = tempDir();
    const lines: string[] = [];
    const { summary, files, table } = await runDemo({
      epochs: 1,
      hidden: 16,
      batchSize: 32,
      trainLimit: 320,
      testLimit: 100,
      outDir: out,
      progress: false,
      log: (l) => lines.push(l),
    });
    expect(summary.results.map((r) => r.id)).toEqual([...DEFAULT_OPTIMIZER_IDS]);
    for (const r of summary.results) {
      expect(r.steps).toBe(10);
      expect(r.losses).toHaveLength(10);
      expect(r.lrs).toHaveLength(10);
      expect(r.losses.every(Number.isFinite)).toBe(true);
      for (const e of [r.model, r.ema]) {
        expect(e.accuracy).toBeGreaterThanOrEqual(0);
        expect(e.accuracy).toBeLessThanOrEqual(1);
        expect(Number.isFinite(e.loss)).toBe(true);
      }
    }
    // One-cycle: the lr rises then falls.
    const lrs = summary.results[0]!.lrs;
    expect(Math.max(...lrs)).toBeGreaterThan(lrs[0]!);
    expect(Math.max(...lrs)).toBeGreaterThan(lrs[lrs.length - 1]!);
    for (const h of ['test acc', 'EMA test acc', 'test loss', 'seconds', 'steps/s']) expect(table).toContain(h);
    expect(lines.join('\n')).toContain(files.markdown);

    const md = readFileSync(files.markdown, 'utf8');
    expect(md).toContain('![training loss](loss.svg)');
    expect(md).toContain('![learning rate](lr.svg)');
    for (const r of summary.results) expect(md).toContain(`| ${r.label} |`);
    for (const svg of [files.lossSvg, files.lrSvg]) {
      const text = readFileSync(svg, 'utf8');
      expect(text.startsWith('<svg')).toBe(true);
      for (const r of summary.results) expect(text).toContain(r.label.slice(0, 5));
    }
    const json = JSON.parse(readFileSync(files.json, 'utf8'));
    expect(json.results).toHaveLength(DEFAULT_OPTIMIZER_IDS.length);
  });

  it("takes the model's defaults: the CNN trains 16 epochs with Adam and AdamW", async () => {
    const { summary } = await runDemo({
      model: 'cnn',
      batchSize: 32,
      trainLimit: 32,
      testLimit: 20,
      outDir: tempDir(),
      progress: false,
      log: quiet,
    });
    expect(MODEL_DEFAULTS.cnn).toEqual({ epochs: 16, optimizers: ['adam', 'adamw'] });
    expect(summary.settings.epochs).toBe(16);
    expect(summary.results.map((r) => r.id)).toEqual(['adam', 'adamw']);
    for (const r of summary.results) expect(r.steps).toBe(16);
  }, 120_000);

  it('rejects an unknown optimizer by name, listing the known ones', () => {
    const known = DEMO_OPTIMIZERS.map((o) => o.id);
    expect(() => pickOptimizers(['adam', 'nope'])).toThrow(`unknown optimizer(s): nope (known: ${known.join(', ')})`);
    expect(known).toEqual(expect.arrayContaining([...DEFAULT_OPTIMIZER_IDS]));
    expect(new Set(known).size).toBe(known.length);
  });

  it('runs the default optimizers with the peak learning rates and options the README reports were measured with', () => {
    expect(pickOptimizers(DEFAULT_OPTIMIZER_IDS).map((o) => [o.id, o.lr, o.options])).toEqual([
      ['sgd', 0.3, 'momentum 0.9, nesterov true'],
      ['adam', 0.01, 'defaults'],
      ['adamw', 0.01, 'weightDecay 0.01'],
      ['radam', 0.04, 'defaults'],
      ['nadam', 0.01, 'defaults'],
      ['adabelief', 0.04, 'defaults'],
      ['adamtf', 0.01, 'defaults'],
    ]);
  });

  it('builds every optimizer of its catalog over an MLP layer, and each takes a step', () => {
    for (const o of DEMO_OPTIMIZERS) {
      const params = [new Parameter(tensor([0.5, -0.5, 0.25, 1, 2, -1], { shape: [2, 3] })), new Parameter(tensor([0.1, -0.1]))];
      const opt = o.make(params, o.lr);
      for (const p of params) p.setGrad(Array.from({ length: p.size }, (_, i) => 0.5 - 0.25 * i));
      const before = Array.from(params[0]!.data);
      opt.step();
      expect(Array.from(params[0]!.data), o.id).not.toEqual(before);
    }
  });
});

describe('the benchmark, quick', () => {
  it('measures every algorithm next to the limit and the peers, and writes bench.json and bench.md', async () => {
    const out = tempDir();
    const { result, files, headline } = await runBench({
      quick: true,
      algorithms: ['adam', 'sgd-momentum', 'adamw'],
      outDir: out,
      progress: false,
      log: quiet,
    });
    const torchHere = torchUnavailableReason() === null;
    expect(existsSync(files.json) && existsSync(files.markdown)).toBe(true);
    expect(result.bandwidth).toHaveLength(2);
    for (const b of result.bandwidth) expect(b.memcpy).toBeGreaterThan(0);
    expect(result.throughput).toHaveLength(6);
    const labels = result.meta.backends.map((b) => b.label);
    expect(labels).toContain('JS');
    for (const row of result.throughput) {
      for (const l of labels) expect(row.cells[l]?.rate).toBeGreaterThan(0);
      if (labels.includes('SIMD×1')) expect(row.cells['limit ×1']?.rate).toBeGreaterThan(0);
      if (torchHere) expect(row.cells['torch×1']?.rate).toBeGreaterThan(0);
      const peers = Object.keys(row.cells).filter((c) => c.startsWith('tfjs'));
      expect(peers.sort()).toEqual(row.algorithm === 'AdamW' ? [] : ['tfjs-cpu', 'tfjs-wasm']);
    }
    const adam = result.throughput.find((r) => r.algorithm === 'Adam')!;
    expect(adam.traffic).toMatchObject({ loads: 4, stores: 3, fresh: 0, bytes: 28 });
    expect(result.overhead.map((r) => r.algorithm)).toEqual(['Adam', 'SGD momentum', 'AdamW']);
    // State bytes per parameter: two moments for Adam and AdamW, one buffer for SGD momentum (+ a step count).
    const state = Object.fromEntries(result.memory.map((m) => [m.algorithm, m.stateBytesPerParam]));
    expect(state['Adam']).toBeCloseTo(8, 2);
    expect(state['AdamW']).toBeCloseTo(8, 2);
    expect(state['SGD momentum']).toBeCloseTo(4, 2);
    if (torchHere) expect(result.memory.find((m) => m.algorithm === 'Adam')!.torchStateBytesPerParam).toBeCloseTo(8, 2);
    else expect(result.notes.some((n) => n.startsWith('torch: skipped'))).toBe(true);

    // One Adam step in a tfjs model, tfjs's own beside @tsoptim/tfjs's, on both tfjs backends.
    expect(result.tfjsAdapter.map((r) => r.backend)).toEqual(['tfjs-cpu', 'tfjs-wasm']);
    for (const r of result.tfjsAdapter) {
      for (const t of [r.tfjsStep, r.adapterStep, r.tfjsTrain, r.adapterTrain]) expect(t).toBeGreaterThan(0);
      expect(r.maxDiff).toBeLessThan(1e-5);
    }
    expect(headline).toContain('adapter step');
    for (const h of ['% of limit', '× torch×1', '× tfjs-wasm', '× tfjs-cpu', 'memcpy GB/s']) expect(headline).toContain(h);
    const md = readFileSync(files.markdown, 'utf8');
    for (const h of ['## Headline', '## Memory bandwidth', '## Per-step overhead', '## Optimizer memory', 'state B/param'])
      expect(md).toContain(h);
    const json = JSON.parse(readFileSync(files.json, 'utf8'));
    expect(json.meta.quick).toBe(true);
    expect(json.throughput).toHaveLength(6);
    // Matrix products: tsoptim's GEMM on every shape, tfjs-wasm beside it, and the MLP step.
    expect(result.gemm!.rows.map((r) => r.shape)).toEqual(['64×784×128', '128×64×784', '512×512×512']);
    for (const r of result.gemm!.rows) {
      expect(r.tsoptim).toBeGreaterThan(0);
      expect(r.tfjsWasm).toBeGreaterThan(0);
    }
    expect(result.gemm!.mlp.tsoptimStepMs).toBeGreaterThan(0);
    expect(md).toContain('## Matrix products and the MLP step');
  }, 180_000);
});

describe('tables and plots', () => {
  it('aligns numeric columns right, escapes pipes in Markdown', () => {
    const t = {
      headers: ['name', 'value'],
      rows: [
        ['a|b', '1.5e8'],
        ['c', '12 %'],
      ],
    };
    expect(formatTable(t).split('\n')).toEqual(['name  value', '────  ─────', 'a|b   1.5e8', 'c      12 %']);
    expect(markdownTable(t)).toBe('| name | value |\n| --- | ---: |\n| a\\|b | 1.5e8 |\n| c | 12 % |');
  });

  it('smooths with a trailing moving average and keeps the last point', () => {
    expect(smooth([1, 3, 5, 7, 9], 2, 2)).toEqual({ x: [2, 4, 5], y: [2, 6, 8] });
  });
});
