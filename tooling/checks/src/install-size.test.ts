import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installPacked, type Packed, packPackages, registryReachable } from './install-size.js';

const MB = 1024 * 1024;
/** core + optim + lr-scheduler (with what they pull in) must stay under this much `node_modules`. */
const BUDGET = 2 * MB;

const reachable = registryReachable();
if (!reachable) console.warn('install-size check skipped: the npm registry did not answer `npm ping` within 10 s');

describe.skipIf(!reachable)('install size (pnpm pack → npm install from the tarballs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsoptim-pack-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let packed: Packed;

  it('packs the packages', async () => {
    packed = await packPackages(['core', 'optim', 'plots', 'lr-scheduler', 'nn', 'swa-utils', 'registry'], dir);
    expect(Object.keys(packed.tarballs)).toHaveLength(7);
  }, 180_000);

  it('core + optim + lr-scheduler install in under 2 MB, with no engine warning on this Node', async () => {
    const r = await installPacked(packed, ['@tsoptim/core', '@tsoptim/optim', '@tsoptim/lr-scheduler'], 120_000);
    console.log(`core + optim + lr-scheduler: ${(r.bytes / MB).toFixed(2)} MB in node_modules (${r.packages.join(', ')})`);
    expect(r.log).not.toMatch(/EBADENGINE/);
    expect(r.packages).not.toContain('vega');
    expect(r.bytes).toBeLessThanOrEqual(BUDGET);
  }, 150_000);

  it('swa-utils and registry install on this Node without engine warnings', async () => {
    const r = await installPacked(packed, ['@tsoptim/swa-utils', '@tsoptim/registry'], 120_000);
    console.log(`swa-utils + registry: ${(r.bytes / MB).toFixed(2)} MB in node_modules (${r.packages.length} packages)`);
    expect(r.log).not.toMatch(/EBADENGINE/);
    expect(r.packages.filter((p) => !p.startsWith('@tsoptim/'))).toEqual(['ini']);
  }, 150_000);
});
