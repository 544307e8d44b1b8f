/** Renders docs/configs/*.json to docs/*.svg (the README's pictures): `npx tsx scripts/render-docs.ts`. */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigSvg } from '../src/svg.js';

const docs = fileURLToPath(new URL('../docs/', import.meta.url));
for (const f of readdirSync(join(docs, 'configs'))
  .filter((x) => x.endsWith('.json'))
  .sort()) {
  const config = JSON.parse(readFileSync(join(docs, 'configs', f), 'utf8'));
  const svg = renderConfigSvg(config, { width: 420, height: 160 });
  writeFileSync(join(docs, `${basename(f, '.json')}.svg`), svg);
  console.log(`docs/${basename(f, '.json')}.svg`);
}
