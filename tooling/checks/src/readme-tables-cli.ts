/**
 * Rewrites the generated algorithm tables of every README from the registry's catalog entries
 * (`pnpm readme:tables`); with `--check`, writes nothing and exits 1 when a table is stale.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT } from './bundle.js';
import { readmeRegions } from './readme-tables.js';

const check = process.argv.includes('--check');
const stale = readmeRegions().filter(({ text, expected }) => text !== expected);
for (const { file, expected } of stale) {
  if (!check) writeFileSync(file, expected);
  console.log(`${check ? 'stale' : 'rewrote'}: ${relative(ROOT, file)}`);
}
if (stale.length === 0) console.log('README algorithm tables are current');
process.exitCode = check && stale.length > 0 ? 1 : 0;
