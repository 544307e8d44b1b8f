import { describe, expect, it } from 'vitest';
import { codeBlocks, readmes, typecheckBlocks } from './readme-blocks.js';

describe('README code blocks', () => {
  it('every ```ts block of every README compiles against the workspace packages', () => {
    const blocks = readmes().flatMap(codeBlocks);
    expect(blocks.length).toBeGreaterThan(15);
    expect(typecheckBlocks(blocks)).toEqual([]);
  }, 120_000);
});
