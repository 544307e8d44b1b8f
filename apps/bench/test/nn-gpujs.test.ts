import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Backend, type Parameter, type Tensor, parameter, tensor } from '@tsoptim/core';
import {
  type Variable,
  batchNorm,
  conv2d,
  crossEntropy,
  gatherRows,
  linear,
  logSoftmax,
  matmul,
  maxPool2d,
  mseLoss,
  relu,
  reshape,
  softmax,
  sum,
  transpose,
} from '@tsoptim/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBenchBackend } from '../src/backends.js';
import { runDemo } from '../src/run-demo.js';

/**
 * nn on the gpu.js backend (headlessgl): the ops whose values pass through matmul, permute and row
 * gather/scatter, forward and backward against torch's fixtures (tooling/fixtures/data/nn/ops.json), and a
 * short demo run with everything on the device. CI sets TSOPTIM_REQUIRE_GPU_MODE=headlessgl, which makes a
 * missing headless-gl a failure; elsewhere the suite is skipped when headless-gl is not available.
 */

interface FixtureTensor {
  readonly shape: number[];
  readonly data: number[];
}
interface OpCase {
  name: string;
  op: string;
  args: Record<string, unknown>;
  intArgs: Record<string, number[]>;
  inputs: Record<string, FixtureTensor>;
  gradOut: FixtureTensor;
  output: FixtureTensor;
  grads: Record<string, FixtureTensor>;
}

const load = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../tooling/fixtures/data/nn/${name}.json`, import.meta.url), 'utf8')) as {
    source: string;
    cases: OpCase[];
  };
const fixture = { cases: [...load('ops').cases, ...load('cnn').cases] };

type T = Record<string, Tensor>;
const OPS: Record<string, (t: T, c: OpCase) => Variable> = {
  matmul: (t) => matmul(t.a!, t.b!),
  linear: (t) => linear(t.x!, t.w!, t.b ?? null),
  transpose: (t, c) => transpose(t.x!, c.args.dim0 as number, c.args.dim1 as number),
  gatherRows: (t, c) => gatherRows(t.x!, c.intArgs.indices!),
  relu: (t) => relu(t.x!),
  reshape: (t, c) => reshape(t.x!, c.args.shape as number[]),
  sum: (t, c) => sum(t.x!, c.args as object),
  softmax: (t, c) => softmax(t.x!, c.args.dim as number),
  logSoftmax: (t, c) => logSoftmax(t.x!, c.args.dim as number),
  mseLoss: (t, c) => mseLoss(t.x!, t.y!, c.args as object),
  crossEntropy: (t, c) => crossEntropy(t.x!, c.intArgs.target!, c.args as object),
  conv2d: (t, c) =>
    conv2d(t.x!, t.w!, t.b ?? null, { stride: c.args.stride as [number, number], padding: c.args.padding as [number, number] }),
  maxPool2d: (t, c) => maxPool2d(t.x!, c.args.kernelSize as [number, number], { stride: c.args.stride as [number, number] }),
  batchNorm2d: (t, c) => {
    const [n, ch, h, w] = t.x!.shape as [number, number, number, number];
    const y = batchNorm(reshape(t.x!, [n, ch, h * w]), t.rm!, t.rv!, t.w!, t.b!, {
      training: true,
      momentum: c.args.momentum as number,
      eps: c.args.eps as number,
    });
    return reshape(y, [n, ch, h, w]);
  },
};

function close(what: string, got: ArrayLike<number>, want: readonly number[]): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= 1e-5 + 1e-4 * Math.abs(want[i]!)))
      expect.fail(`${what}: element ${i}: got ${got[i]}, expected ${want[i]}`);
  }
}

const required = process.env['TSOPTIM_REQUIRE_GPU_MODE'] === 'headlessgl';
let backend: Backend | null = null;
let dispose: (() => Promise<void>) | null = null;

beforeAll(async () => {
  try {
    const b = await createBenchBackend('gpujs');
    backend = b.backend;
    dispose = b.dispose;
  } catch (e) {
    if (required) throw e;
  }
});
afterAll(async () => {
  await dispose?.();
});

describe('nn on gpu.js (headlessgl)', () => {
  const cases = fixture.cases.filter((c) => c.op in OPS && !('weight' in c.inputs));
  // intArgs is absent from the convolution fixtures.
  for (const c of cases) c.intArgs ??= {};
  it('has the cases it is meant to run', () => {
    for (const op of ['matmul', 'linear', 'transpose', 'gatherRows', 'conv2d', 'maxPool2d', 'batchNorm2d'])
      expect(cases.some((c) => c.op === op)).toBe(true);
  });
  for (const c of cases) {
    it(`${c.name}: forward and backward against torch`, async (ctx) => {
      if (backend === null) return ctx.skip();
      const on = { backend };
      const t: T = {};
      for (const [k, v] of Object.entries(c.inputs)) {
        t[k] =
          k in c.grads
            ? parameter(Float32Array.from(v.data), { ...on, shape: v.shape })
            : tensor(Float32Array.from(v.data), { ...on, shape: v.shape });
      }
      const out = OPS[c.op]!(t, c);
      expect(out.value.backend).toBe(backend);
      close(`${c.name} output`, await out.value.read(), c.output.data);
      out.backward({ gradient: tensor(Float32Array.from(c.gradOut.data), { ...on, shape: c.gradOut.shape }) });
      for (const [k, g] of Object.entries(c.grads)) {
        const p = t[k] as Parameter;
        const grad = p.grad as Tensor;
        expect(grad.backend).toBe(backend);
        close(`${c.name} ∂${k}`, await grad.read(), g.data);
      }
    });
  }

  it('trains the demo MLP with everything on the device, as the CPU backend does', async (ctx) => {
    if (backend === null) return ctx.skip();
    const opts = {
      epochs: 1,
      optimizers: ['adam'],
      trainLimit: 320,
      testLimit: 100,
      progress: false,
      log: () => {},
      outDir: mkdtempSync(join(tmpdir(), 'tsoptim-nn-gpujs-')),
    };
    const gpu = await runDemo({ ...opts, backend: 'gpujs' });
    const cpu = await runDemo({ ...opts, backend: 'cpu' });
    const g = gpu.summary.results[0]!;
    const c = cpu.summary.results[0]!;
    // Same weights, same batches: the float32 products differ in rounding only.
    expect(Math.abs(g.finalTrainLoss - c.finalTrainLoss)).toBeLessThan(1e-2);
    expect(Math.abs(g.model.accuracy - c.model.accuracy)).toBeLessThanOrEqual(0.02);
    rmSync(opts.outDir, { recursive: true, force: true });
  }, 300_000);
});
