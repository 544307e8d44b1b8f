import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gpuTestMode } from './internal/test-modes.js';

const gpuMode = await gpuTestMode();
const pkg = fileURLToPath(new URL('..', import.meta.url));

/** Runs the README's example in a fresh Node process: it must train, destroy the backend, and exit by itself. */
function runExample(mode: string): { status: number | null; stdout: string; stderr: string; signal: NodeJS.Signals | null } {
  const r = spawnSync(process.execPath, ['--conditions=@tsoptim/source', '--import', 'tsx', 'examples/train-on-gpu.ts', mode], {
    cwd: pkg,
    encoding: 'utf8',
    timeout: 90_000,
    env: process.env,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

describe('the README example', () => {
  (gpuMode.available || gpuMode.required ? it : it.skip)('trains on headlessgl and the process exits', () => {
    const r = runExample('headlessgl');
    expect(r.signal, `killed: the process did not exit\n${r.stderr}`).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('done on gpujs-headlessgl');
    const final = Number(/final loss (\S+)/.exec(r.stdout)?.[1]);
    expect(final).toBeLessThan(1e-6);
  });

  it("trains in gpu.js's cpu mode and the process exits", () => {
    const r = runExample('cpu');
    expect(r.signal, `killed: the process did not exit\n${r.stderr}`).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('done on gpujs-cpu');
  });
});
