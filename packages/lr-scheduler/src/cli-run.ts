/** Runs the `tsoptim-schedule` command from source (`npx tsx src/cli-run.ts config.json -o out.svg`). */
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));
