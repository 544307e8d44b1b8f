import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './bundle.js';
import { formatValue, readmeRegions, renderRegions, rewriteRegions } from './readme-tables.js';

describe('README algorithm tables', () => {
  it('are what the registry generates (run `pnpm readme:tables` after adding an algorithm)', () => {
    const files = readmeRegions();
    expect(files.map((f) => relative(ROOT, f.file)).sort()).toEqual([
      'README.md',
      'packages/optim/README.md',
      'packages/registry/README.md',
    ]);
    expect(files.filter((f) => f.text !== f.expected).map((f) => relative(ROOT, f.file))).toEqual([]);
  });

  it('rewrite only what lies between a region’s markers, and refuse an unknown region', () => {
    const text = [
      'before',
      '<!-- BEGIN GENERATED torch-optim (pnpm readme:tables) -->',
      'old row',
      '<!-- END GENERATED torch-optim -->',
      'after',
    ].join('\n');
    expect(rewriteRegions(text, { 'torch-optim': '| new |' })).toBe(text.replace('old row', '| new |'));
    expect(() => rewriteRegions(text.replaceAll('torch-optim', 'nope'), { 'torch-optim': 'x' })).toThrow('unknown generated region "nope"');
  });

  it('write defaults as the tables always have', () => {
    expect([1e-3, 0.9, 1, 1e6, -0.8, 2.5e-3, Number.POSITIVE_INFINITY, null, [null, 1e-3], 'strong_wolfe', false].map(formatValue)).toEqual(
      ['1e-3', '0.9', '1', '1e6', '-0.8', '2.5e-3', '∞', 'null', '[null, 1e-3]', "'strong_wolfe'", 'false'],
    );
  });

  it('list every optim class of the registry in one of the two optim tables', () => {
    const regions = renderRegions();
    for (const cls of ['SGD', 'Adam', 'LBFGS', 'Lion', 'Muon']) {
      expect(`${regions['torch-optim']}\n${regions['beyond-torch-optim']}`).toContain(`| \`${cls}\` |`);
    }
  });
});
