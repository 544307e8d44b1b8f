import { type OptimizerInfo, describeOptimizerConformance, describeTrajectoryConformance } from '@tsoptim/testkit';
import { adaptiveTable } from '@tsoptim/adaptive/conformance-table';
import { alfTable } from '@tsoptim/alf/conformance-table';
import { optimTable } from '@tsoptim/optim/conformance-table';
import { registryTable } from '@tsoptim/registry/conformance-table';
import { afterAll, describe, expect, it } from 'vitest';
import { createGpuJsBackend } from './index.js';
import { gpuTestMode } from './internal/test-modes.js';

/**
 * Tolerances of the optimizer conformance suite on the GPU (see the README, "Tolerance").
 *
 * Elementwise algorithms: the CPU backend's own tolerance (1e-6 absolute + 1e-5 relative, or the table's), no
 * looser. Each kernel runs in float32 on the GPU, like torch's CPU kernels; the uniform parts of a kernel
 * (`1 - beta2`, bias corrections) are evaluated on the host in float64 as torch does, which is what keeps the
 * GPU within float32 rounding of torch.
 *
 * Algorithms whose step reads reductions back into its control flow or divides by them (LBFGS's curvature
 * pairs and line search, Adafactor's factored row/column statistics, LAMB's trust ratio, Prodigy's d): 1e-5 absolute + 1e-4 relative at least.
 * Their reductions sum float32 products in a different order than torch (blocks of 128, then a tree, with
 * compensated summation), and the difference, a few float32 ulp, is amplified over 20–25 ill-conditioned
 * steps (measured: up to 6e-5 relative on adafactor_lstsq; the CPU backend, which sums in float64, stays
 * within 3e-5).
 */
const REDUCTION_DRIVEN = new Set(['LBFGS', 'Adafactor', 'LAMB', 'Prodigy']);
const GPU_REDUCTION_TOL = { atol: 1e-5, rtol: 1e-4 };

function gpuTolerance(info: OptimizerInfo): OptimizerInfo {
  if (!REDUCTION_DRIVEN.has(info.name)) return info;
  const t = info.tolerance ?? { atol: 0, rtol: 0 };
  return { ...info, tolerance: { atol: Math.max(t.atol, GPU_REDUCTION_TOL.atol), rtol: Math.max(t.rtol, GPU_REDUCTION_TOL.rtol) } };
}

const gpuMode = await gpuTestMode();

if (gpuMode.available) {
  // syncRead: the lstsq fixtures' closures read the parameters back on the host every step.
  const backend = await createGpuJsBackend({ mode: 'headlessgl', syncRead: true });
  afterAll(async () => {
    expect(backend.kernelClasses()).toEqual(['HeadlessGLKernel']);
    await backend.destroy();
  });
  // Every package's table: torch's algorithms and the ones beyond torch (optim), labml's family (adaptive), ALF's
  // optimizers (alf), transformers' AdamW and thinc's rules (registry).
  for (const table of [optimTable, adaptiveTable]) {
    describeOptimizerConformance({ label: 'gpujs-headlessgl', backend: () => backend, table: table.map(gpuTolerance) });
  }
  // ALF's (NeroPlus's row norms) and thinc's (clipping norms) rules take reductions: their tolerance at least.
  describeTrajectoryConformance({
    label: 'gpujs-headlessgl',
    backend: () => backend,
    table: [...alfTable, ...registryTable],
    minTolerance: GPU_REDUCTION_TOL,
  });
} else if (gpuMode.required) {
  it('optimizer conformance: TSOPTIM_REQUIRE_GPU_MODE=headlessgl, but the mode is not available', () => {
    expect.fail('gpu.js headlessgl mode is not available');
  });
} else {
  describe.skip(`optimizer conformance on gpujs-headlessgl: ${gpuMode.note}`, () => {
    it('skipped', () => {});
  });
}
