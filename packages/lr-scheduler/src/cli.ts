/**
 * `tsoptim-schedule`: renders a schedule config (JSON) as an SVG.
 *
 *   tsoptim-schedule config.json [-o out.svg] [--width 480] [--height 200]
 *   echo '{"scheduler":"StepLR","options":{"stepSize":10},"steps":50}' | tsoptim-schedule - > steplr.svg
 *
 * The config: `{ "scheduler": "OneCycleLR", "options": {...}, "steps": 100, "lr": 0.1, "optimizer": "SGD" }`,
 * or `{ "schedule": "warmupCosineDecay", "options": {...}, "steps": 100 }` (see `ScheduleConfig`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { ScheduleConfig } from './from-config.js';
import { renderConfigSvg } from './svg.js';

const USAGE = 'usage: tsoptim-schedule <config.json | -> [-o out.svg] [--width N] [--height N]';

/** Runs the command with its arguments; returns the exit code. */
export async function main(argv: readonly string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let input: string | undefined;
  let output: string | undefined;
  const opts: { width?: number; height?: number } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-o' || a === '--output') output = argv[++i];
    else if (a === '--width') opts.width = Number(argv[++i]);
    else if (a === '--height') opts.height = Number(argv[++i]);
    else if (a === '-h' || a === '--help') {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    } else if (input === undefined) input = a;
    else {
      io.stderr.write(`unexpected argument ${a}\n${USAGE}\n`);
      return 2;
    }
  }
  if (input === undefined) {
    io.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    const text = readFileSync(input === '-' ? 0 : input, 'utf8');
    const config = JSON.parse(text) as ScheduleConfig;
    const svg = await renderConfigSvg(config, opts);
    if (output === undefined) io.stdout.write(svg);
    else writeFileSync(output, svg);
    return 0;
  } catch (e) {
    io.stderr.write(`tsoptim-schedule: ${(e as Error).message}\n`);
    return 1;
  }
}
