import { type Backend, parameter } from '@tsoptim/core';
import { type TrajectoryCase, type TrajectoryInfo, loadFixture } from '@tsoptim/testkit';
import { AdamTF, NeroPlus } from '../src/index.js';

/** A fixture written by tooling/fixtures/gen_alf.py (read as JSON). */
type Fx = any;

function adamTfCase(name: string): TrajectoryCase {
  const fx: Fx = loadFixture('alf', name);
  return {
    name,
    steps: fx.grads.length,
    tolerance: { atol: 1e-5, rtol: 1e-4 },
    start: (backend: Backend) => {
      const popts = (fx.param_weight_decay ?? []).map((wd: number | null) => (wd === null ? {} : { weightDecay: wd }));
      const ps = fx.shapes.map((shape: number[], i: number) => parameter(fx.init[i], { shape, backend, options: popts[i] ?? {} }));
      const opt = new AdamTF(ps, fx.options);
      return {
        tensors: ps,
        step: (t: number) => {
          ps.forEach((p: ReturnType<typeof parameter>, i: number) => p.setGrad(fx.grads[t][i]));
          opt.step();
        },
      };
    },
    expected: (t) => fx.values[t],
  };
}

function neroPlusCase(name: string): TrajectoryCase {
  const fx: Fx = loadFixture('alf', name);
  return {
    name,
    steps: fx.grads.length,
    tolerance: { atol: 2e-5, rtol: 2e-4 },
    // Starts from the reference's initialised values (NeroPlus.initialize is checked in nero-plus.test.ts).
    start: (backend: Backend) => {
      const ps = fx.shapes.map((shape: number[], i: number) =>
        parameter(fx.initialized[i], { shape, backend, options: fx.param_options[i] ?? {} }),
      );
      const opt = new NeroPlus(ps, fx.options);
      return {
        tensors: ps,
        step: (t: number) => {
          ps.forEach((p: ReturnType<typeof parameter>, i: number) => p.setGrad(fx.grads[t][i]));
          opt.step();
        },
      };
    },
    expected: (t) => fx.values[t],
  };
}

/**
 * ALF's optimizers against their float64 references (tooling/fixtures/gen_alf.py), as trajectories: the table
 * each backend's conformance run goes through (`@tsoptim/alf/conformance-table`).
 */
export const alfTable: readonly TrajectoryInfo[] = [
  { name: 'AdamTF', cases: ['adam_tf_default', 'adam_tf_amsgrad', 'adam_tf_weight_decay'].map(adamTfCase) },
  { name: 'NeroPlus', cases: ['nero_plus_default', 'nero_plus_by_norm', 'nero_plus_momentum_opts'].map(neroPlusCase) },
];
