import { deserialize, serialize } from 'node:v8';
import { parameter } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { Adam } from './adam.js';
import { SavedTensor } from './state-dict.js';

function trained(): Adam {
  const w = parameter([
    [1, 2],
    [3, 4],
  ]);
  const opt = new Adam([w], { lr: 0.1, amsgrad: true });
  w.setGrad([
    [0.1, -0.2],
    [0.3, -0.4],
  ]);
  opt.step();
  return opt;
}

describe('a state dict is plain data', () => {
  it('holds host copies of the tensors, with their shapes', () => {
    const opt = trained();
    const sd = opt.stateDict();
    const expAvg = sd.state['0']!.exp_avg as SavedTensor;
    expect(SavedTensor.isSaved(expAvg)).toBe(true);
    expect(expAvg.shape).toEqual([2, 2]);
    expect(expAvg.toArray()).toEqual([
      [expect.closeTo(0.01, 7), expect.closeTo(-0.02, 7)],
      [expect.closeTo(0.03, 7), expect.closeTo(-0.04, 7)],
    ]);
    expAvg.data[0] = 99; // a copy: the optimizer is untouched
    expect((opt.stateDict().state['0']!.exp_avg as SavedTensor).data[0]).toBeCloseTo(0.01, 7);
  });

  it('survives structuredClone and v8.serialize, and loads back to the same next step', () => {
    for (const copy of [(x: unknown) => structuredClone(x), (x: unknown) => deserialize(serialize(x))]) {
      const a = trained();
      const sd = copy(a.stateDict()) as ReturnType<Adam['stateDict']>;
      const b = new Adam(
        [
          parameter([
            [1, 2],
            [3, 4],
          ]),
        ],
        { lr: 0.5 },
      );
      b.paramGroups[0]!.params[0]!.assign(a.paramGroups[0]!.params[0]!.data);
      b.loadStateDict(sd);
      expect(b.paramGroups[0]!.lr).toBe(0.1);
      for (const o of [a, b]) {
        o.paramGroups[0]!.params[0]!.setGrad([
          [0.5, 0.5],
          [-0.5, -0.5],
        ]);
        o.step();
      }
      expect(Array.from(b.paramGroups[0]!.params[0]!.data)).toEqual(Array.from(a.paramGroups[0]!.params[0]!.data));
    }
  });

  it('writes torch-style nested lists to JSON', () => {
    const json = JSON.parse(JSON.stringify(trained().stateDict()));
    expect(json.state['0'].exp_avg).toHaveLength(2);
    expect(json.state['0'].exp_avg[1]).toHaveLength(2);
    expect(json.state['0'].step).toBe(1);
  });
});
