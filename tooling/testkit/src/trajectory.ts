import type { Backend, Tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { firstMismatch } from './fixtures.js';

/**
 * One reference run of an optimizer whose fixtures record a trajectory (values after every step) rather than
 * torch's full layout (state dicts, resumes): ALF's, transformers' and thinc's rules. The package that owns the
 * algorithm writes `start`, so testkit needs no algorithm package.
 */
export interface TrajectoryCase {
  /** The test's name (the fixture and case). */
  readonly name: string;
  /** Steps recorded. */
  readonly steps: number;
  /**
   * Builds the tensors and the optimizer on `backend`; returns the tensors whose values are checked and the
   * function that takes step `t` (0-based: set step t's gradients, step).
   */
  readonly start: (backend: Backend) => { readonly tensors: readonly Tensor[]; step(t: number): void };
  /** The reference values of the checked tensors after step `t` (0-based), flat. */
  readonly expected: (t: number) => readonly (readonly number[])[];
  /** Closeness to the reference (default 1e-6 absolute + 1e-5 relative). */
  readonly tolerance?: { readonly atol: number; readonly rtol: number };
  /** Skipped on backends without synchronous reads. */
  readonly needsSyncRead?: boolean;
}

/** An algorithm's trajectory cases: a row of a package's table. */
export interface TrajectoryInfo {
  readonly name: string;
  readonly cases: readonly TrajectoryCase[];
}

/** Options of {@link describeTrajectoryConformance}. */
export interface TrajectoryOptions {
  readonly label: string;
  readonly backend: () => Backend;
  readonly table: readonly TrajectoryInfo[];
  /** Replaces each case's tolerance where it is tighter (a GPU's reductions). */
  readonly minTolerance?: { readonly atol: number; readonly rtol: number };
}

const DEFAULT_TOL = { atol: 1e-6, rtol: 1e-5 };

/** For every case of every row, on the given backend: the checked tensors match the reference after every step. */
export function describeTrajectoryConformance(options: TrajectoryOptions): void {
  for (const info of options.table) {
    describe(`${info.name} trajectories on ${options.label}`, () => {
      for (const c of info.cases) {
        const maybe = c.needsSyncRead && !options.backend().syncRead ? it.skip : it;
        maybe(`${c.name}: values after every step match the reference`, async () => {
          const base = c.tolerance ?? DEFAULT_TOL;
          const min = options.minTolerance ?? { atol: 0, rtol: 0 };
          const tol = { atol: Math.max(base.atol, min.atol), rtol: Math.max(base.rtol, min.rtol) };
          const run = c.start(options.backend());
          for (let t = 0; t < c.steps; t++) {
            run.step(t);
            const expected = c.expected(t);
            for (let i = 0; i < run.tensors.length; i++) {
              const got = await run.tensors[i]!.read();
              const bad = firstMismatch(got, expected[i]!, tol.atol, tol.rtol);
              if (bad)
                expect.fail(`${c.name}: step ${t + 1}, tensor ${i}, element ${bad.index}: got ${bad.actual}, reference ${bad.expected}`);
            }
          }
        });
      }
    });
  }
}
