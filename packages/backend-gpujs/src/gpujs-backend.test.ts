import { RuntimeError, ValueError, defineKernel, k, sum, tensor, zeros } from '@tsoptim/core';
import { describeBackend } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import { type GpuJsBackend, createGpuJsBackend } from './index.js';
import { GPU_TEST_CONFIGS, gpuTestMode } from './internal/test-modes.js';

/**
 * Tolerance of the backend suite on gpu.js: every operation rounds to float32 (the CPU backend evaluates a
 * kernel body in float64 and rounds once per stored value), and GLSL's exp/log/sin/cos/tanh/pow are allowed a
 * few ulp. 1e-5 relative is about 80 float32 ulp, enough for the few chained ops of the suite's kernels.
 */
const SUITE_TOL = { atol: 1e-6, rtol: 1e-5 };

const gpuMode = await gpuTestMode();

const variants = GPU_TEST_CONFIGS.map((c) => ({ ...c, label: `gpujs-${c.label}` }));

const expectedClass = { headlessgl: 'HeadlessGLKernel', cpu: 'CPUKernel' } as const;

for (const v of variants) {
  if (v.gpu && !gpuMode.available) {
    if (gpuMode.required) {
      it(`${v.label}: TSOPTIM_REQUIRE_GPU_MODE=headlessgl, but the mode is not available`, () => {
        expect.fail('gpu.js headlessgl mode is not available: the gl module is missing, failed to build, or there is no X display');
      });
    } else {
      describe.skip(`${v.label}: ${gpuMode.note}`, () => {
        it('skipped', () => {});
      });
    }
    continue;
  }
  describeBackend(v.label, () => createGpuJsBackend(v.options), {
    tolerance: SUITE_TOL,
    liveBuffers: (b) => (b as GpuJsBackend).memory().buffers,
    teardown: async (b) => {
      const g = b as GpuJsBackend;
      // No silent fallback: every kernel of the suite ran on the mode's own kernel class.
      expect(g.kernelClasses()).toEqual([expectedClass[v.options.mode as 'headlessgl' | 'cpu']]);
      expect(g.memory().tensors).toBe(0);
      await g.destroy();
    },
  });
}

describe('createGpuJsBackend', () => {
  it('rejects an unknown mode and impossible combinations', async () => {
    await expect(createGpuJsBackend({ mode: 'gpu' as never })).rejects.toThrow(ValueError);
    await expect(createGpuJsBackend({ mode: 'headlessgl', asyncMode: true, syncRead: true })).rejects.toThrow(
      'syncRead is not available in an asynchronous mode',
    );
    await expect(createGpuJsBackend({ mode: 'webgpu', kernelMap: true })).rejects.toThrow('no createKernelMap');
  });

  it('says why a mode is not available instead of falling back', async () => {
    // Node has no browser WebGL, whatever is installed.
    await expect(createGpuJsBackend({ mode: 'webgl2' })).rejects.toThrow("gpu.js mode 'webgl2' is not available here");
  });

  it('offers synchronous reads on request, as copies', async () => {
    const b = await createGpuJsBackend({ mode: 'cpu', syncRead: true });
    const x = tensor([1, 2, 3], { backend: b });
    expect(b.syncRead).toBe(true);
    const d = x.data;
    d[0] = 100;
    expect(Array.from(x.data)).toEqual([1, 2, 3]);
    x.dispose();
    await b.destroy();
  });

  it('refuses work after destroy', async () => {
    const b = await createGpuJsBackend({ mode: 'cpu' });
    const x = zeros([2], { backend: b });
    await b.destroy();
    await b.destroy();
    expect(() => zeros([2], { backend: b })).toThrow(RuntimeError);
    expect(() => x.fill_(1)).toThrow('has been destroyed');
  });
});

describe('the asynchronous path', () => {
  it('queues work, keeps order, and surfaces a failure at the next flush or read', async () => {
    const b = await createGpuJsBackend({ mode: 'cpu', asyncMode: true });
    const x = tensor([1, 2], { backend: b });
    const inc = defineKernel({ name: 'inc', inputs: ['x'], outputs: ['x'], body: ({ x }) => ({ x: k.add(x, 1) }) });
    for (let i = 0; i < 10; i++) b.run(inc, { tensors: { x } });
    const pending = x.read();
    x.assign([5, 5]);
    expect(Array.from(await pending)).toEqual([11, 12]);
    expect(Array.from(await x.read())).toEqual([5, 5]);
    // A failure inside queued work (here: a lost device value) is reported once, at the next read or flush.
    const y = tensor([7], { backend: b });
    const lost = new Proxy(
      {},
      {
        get() {
          throw new Error('device value lost');
        },
      },
    );
    (x.storage as { value: unknown }).value = lost;
    b.run(inc, { tensors: { x } });
    await expect(y.read()).rejects.toThrow('device value lost');
    expect(Array.from(await y.read())).toEqual([7]);
    b.run(inc, { tensors: { x } });
    await expect(b.flush()).rejects.toThrow('device value lost');
    await expect(b.flush()).resolves.toBeUndefined();
    x.dispose();
    y.dispose();
    await b.destroy();
  });
});

if (gpuMode.available || gpuMode.required) {
  describe('headlessgl mode for real', () => {
    it('runs every kernel on HeadlessGLKernel, with textures on the device', async () => {
      const b = await createGpuJsBackend({ mode: 'headlessgl' });
      expect(b.name).toBe('gpujs-headlessgl');
      expect(b.kernelMap).toBe(true);
      const x = tensor([3, 4], { backend: b });
      const s = sum(x);
      expect(Array.from(await s.read())).toEqual([7]);
      expect(b.kernelClasses()).toEqual(['HeadlessGLKernel']);
      const storage = x.storage as { value: { constructor: { name: string } } };
      expect(storage.value.constructor.name).toMatch(/^GLTexture/);
      x.dispose();
      s.dispose();
      await b.destroy();
    });
  });
}
