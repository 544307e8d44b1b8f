import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

/**
 * The README's examples run as written: each ```ts block is written to a scratch folder inside the package (so
 * `@tsoptim/*` resolve as they do for a user, `@tsoptim/adaptive` pointing at src/) and imported.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = `${root}.readme-check-${process.pid}/`;
const readme = readFileSync(`${root}README.md`, 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function run(i: number): Promise<string[]> {
  mkdirSync(scratch, { recursive: true });
  const file = `${scratch}block-${i}.ts`;
  writeFileSync(file, blocks[i]!.replaceAll("from '@tsoptim/adaptive'", "from '../src/index.js'"));
  const logs: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    logs.push(a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' '));
  });
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    spy.mockRestore();
  }
  return logs;
}

describe('README examples', () => {
  it('has the examples', () => expect(blocks.length).toBe(3));

  it('every optimizer fits the target', async () => {
    const logs = await run(0);
    expect(logs.length).toBe(9);
    for (const line of logs) {
      const values = JSON.parse(line.slice(line.indexOf('['))) as number[];
      values.forEach((v, i) => expect(Math.abs(v - [1, -2, 3][i]!), line).toBeLessThan(0.1));
    }
  });

  it('the Lion example steps as its comment says', async () => {
    const logs = await run(1);
    const w = JSON.parse(logs[0]!) as number[];
    expect(w[0]).toBeCloseTo(0.395, 6);
    expect(w[1]).toBeCloseTo(-0.395, 6);
    expect(JSON.parse(logs[1]!)).toEqual(['step', 'exp_avg']);
  });

  it('the getLr subclass example', async () => {
    expect(await run(2)).toEqual(['0.05']);
  });
});
