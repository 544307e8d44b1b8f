#!/usr/bin/env node
// The built command (dist/cli.js); in the workspace run `npx tsx src/cli-run.ts` instead.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
