/**
 * The README tables of algorithms, generated from the catalog entries (`about`) of the optimizer registry, so
 * that adding an algorithm adds its row with nothing to edit in a README. A README holds a generated region
 * between two markers:
 *
 *   <!-- BEGIN GENERATED torch-optim (pnpm readme:tables) -->
 *   …
 *   <!-- END GENERATED torch-optim -->
 *
 * `pnpm readme:tables` rewrites every region; `readme-tables.test.ts` fails while one is stale.
 */
import { readFileSync } from 'node:fs';
import type { AlgorithmAbout, AlgorithmReference } from '@tsoptim/optim';
import { DEFAULT_OPTIMIZER, optimizerRegistry } from '@tsoptim/registry';
import { readmes } from './readme-blocks.js';

/** Options every torch-style optimizer takes for torch's signature only (the READMEs say so once, under the table). */
const TORCH_FLAGS = new Set(['foreach', 'capturable', 'differentiable', 'fused']);

/** A default as the tables write it: `1e-3`, `[0.9, 0.999]`, `∞`, `'strong_wolfe'`. */
export function formatValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v !== 'number') return String(v);
  if (v === Number.POSITIVE_INFINITY) return '∞';
  if (v !== 0 && (Math.abs(v) < 0.01 || Math.abs(v) >= 1e5)) return v.toExponential().replace('e+', 'e');
  return String(v);
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function reference(r: AlgorithmReference): string {
  const cite = r.url === undefined ? r.cite : `[${r.cite}](${r.url})`;
  return `${r.part === undefined ? '' : `${r.part}: `}${cite}${r.note === undefined ? '' : ` (${r.note})`}`;
}

/** The registry's entries, one per algorithm (names that build the same one share its `about`), by class name. */
function algorithms(): {
  names: string[];
  about: AlgorithmAbout;
  defaults: Readonly<Record<string, unknown>>;
  required: readonly string[];
}[] {
  const byAbout = new Map<AlgorithmAbout, { names: string[]; defaults: Readonly<Record<string, unknown>>; required: readonly string[] }>();
  for (const name of optimizerRegistry.names()) {
    const spec = optimizerRegistry.get(name);
    if (spec.about === undefined) throw new Error(`registry name "${name}" has no about: every built-in entry declares one`);
    const seen = byAbout.get(spec.about);
    if (seen === undefined) byAbout.set(spec.about, { names: [name], defaults: spec.defaults, required: spec.required ?? [] });
    else seen.names.push(name);
  }
  return [...byAbout]
    .map(([about, rest]) => ({ about, ...rest }))
    .sort((a, b) => a.about.className.localeCompare(b.about.className, 'en', { sensitivity: 'base' }));
}

function optimTable(inTorch: boolean): string {
  const rows = algorithms()
    .filter(({ about }) => about.from === '@tsoptim/optim' && (about.inTorch === true) === inTorch)
    .map(({ about, defaults }) => {
      const options = Object.entries(defaults)
        .filter(([k]) => !TORCH_FLAGS.has(k))
        .map(([k, v]) => `${k} ${formatValue(v)}`)
        .join(', ');
      const notes = about.optionNotes === undefined ? '' : `; ${about.optionNotes}`;
      return `| \`${about.className}\` | ${cell(options + notes)} | ${cell(about.state ?? '')} | ${cell(about.references.map(reference).join('; '))} |`;
    });
  return ['| class | options (defaults) | state | paper |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function registryTable(): string {
  const rows = algorithms().map(({ names, about, required }) => {
    const notes = [
      about.summary,
      ...(names.includes(DEFAULT_OPTIMIZER) ? ["the default when a config has no `type` (AllenNLP's `default_implementation`)"] : []),
      ...required.map((r) => `\`${r}\` is required, as in AllenNLP`),
      ...(about.params === 'matrices' ? ['parameters of ≥ 2 dimensions only'] : []),
    ];
    return `| ${names.map((n) => `\`${n}\``).join(', ')} | \`${about.className}\` | ${about.from} | ${cell(notes.join('; '))} | ${cell(about.references.map(reference).join('; '))} |`;
  });
  return ['| name | optimizer | package | what it is | paper |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** Every generated region, by the name its markers carry. */
export function renderRegions(): Readonly<Record<string, string>> {
  return { 'torch-optim': optimTable(true), 'beyond-torch-optim': optimTable(false), 'registry-names': registryTable() };
}

const REGION = /(<!-- BEGIN GENERATED ([a-z-]+) \(pnpm readme:tables\) -->\n)([\s\S]*?)(<!-- END GENERATED \2 -->)/g;

/**
 * `text` with every generated region replaced by its current rendering.
 *
 * @throws Error for a region name that {@link renderRegions} does not know.
 */
export function rewriteRegions(text: string, regions: Readonly<Record<string, string>> = renderRegions()): string {
  return text.replace(REGION, (_, begin: string, name: string, _body: string, end: string) => {
    const body = regions[name];
    if (body === undefined) throw new Error(`unknown generated region "${name}" (known: ${Object.keys(regions).join(', ')})`);
    return `${begin}${body}\n${end}`;
  });
}

/** The READMEs holding a generated region, with their text now and as it should be. */
export function readmeRegions(): { file: string; text: string; expected: string }[] {
  const regions = renderRegions();
  return readmes()
    .map((file) => ({ file, text: readFileSync(file, 'utf8') }))
    .filter(({ text }) => text.includes('<!-- BEGIN GENERATED '))
    .map(({ file, text }) => ({ file, text, expected: rewriteRegions(text, regions) }));
}
