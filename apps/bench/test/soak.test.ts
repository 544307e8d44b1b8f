import { describe, expect, it } from 'vitest';
import { runSoak } from '../src/run-soak.js';

describe('the memory soak, reduced', () => {
  it('prints a sample line per loop and shows every CPU loop flat once warm', async () => {
    const lines: string[] = [];
    const samples = await runSoak({ steps: 400, samples: 4, print: (l) => lines.push(l) });
    expect(lines.some((l) => l.includes('README quick start'))).toBe(true);
    expect(lines.some((l) => /capacity MiB\s+live MiB\s+live blocks/.test(l))).toBe(true);
    for (const loop of ['readme', 'using', 'view', 'nn', 'nograd'] as const) {
      const mine = samples.filter((s) => s.loop === loop);
      expect(mine.length).toBe(4);
      const warm = mine.slice(1);
      expect(new Set(warm.map((s) => s.liveBlocks)).size, loop).toBe(1);
      expect(new Set(warm.map((s) => s.capacityMiB)).size, loop).toBe(1);
    }
  }, 120_000);
});
