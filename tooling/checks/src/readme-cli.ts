/** Typechecks every README's ```ts blocks (`pnpm --filter @tsoptim/checks typecheck` runs it); exits 1 on errors. */
import { codeBlocks, readmes, typecheckBlocks } from './readme-blocks.js';

const blocks = readmes().flatMap(codeBlocks);
const errors = typecheckBlocks(blocks);
for (const e of errors) console.error(e);
console.log(`${blocks.length} README code blocks, ${errors.length} errors`);
process.exitCode = errors.length === 0 ? 0 : 1;
