import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parameter } from '@tsoptim/core';
import { flatten, isClose } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import { Adam } from './index.js';

const script = fileURLToPath(new URL('../python/torch_state_dict.py', import.meta.url));
const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch && process.env.TSOPTIM_REQUIRE_TORCH) {
  throw new Error('TSOPTIM_REQUIRE_TORCH is set but /usr/bin/python3 cannot import torch');
}

describe.skipIf(!hasTorch)('state dicts move from tsoptim into torch', () => {
  it('torch loads our Adam state dict and exports the same values', () => {
    const w = parameter([
      [0.5, -1, 2],
      [0.25, 3, -0.75],
    ]);
    const opt = new Adam([w], { lr: 0.05, amsgrad: true });
    for (let t = 0; t < 3; t++) {
      w.setGrad([0.1 * t, -0.2, 0.3, 1, -1, 0.5 * t]);
      opt.step();
    }
    const ours = JSON.parse(JSON.stringify(opt.stateDict()));
    const res = spawnSync('/usr/bin/python3', [script, 'roundtrip-check'], { input: JSON.stringify(ours), encoding: 'utf8' });
    expect(res.stderr).toBe('');
    const back = JSON.parse(res.stdout);
    expect(back.param_groups[0]).toMatchObject({ lr: 0.05, amsgrad: true, betas: [0.9, 0.999], params: [0] });
    for (const key of ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']) {
      const a = flatten(ours.state['0'][key]);
      const b = flatten(back.state['0'][key]);
      expect(b.length).toBe(a.length);
      b.forEach((v, i) => expect(isClose(v, a[i]!, 1e-7, 1e-6), `${key}[${i}]`).toBe(true));
    }
  });
});
