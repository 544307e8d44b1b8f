import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { traceSchedule } from './from-config.js';
import { renderConfigSvg } from './svg.js';

const pkg = fileURLToPath(new URL('../', import.meta.url));

/** Checks the markup is well formed (every element closed, in order) and returns the element names seen. */
function wellFormed(svg: string): string[] {
  const stack: string[] = [];
  const seen: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)((?:"[^"]*"|'[^']*'|[^'">])*?)(\/?)>/g)) {
    const [, close, name, , selfClose] = m;
    if (close) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!selfClose) stack.push(name!);
    seen.push(name!);
  }
  expect(stack).toEqual([]);
  return seen;
}

/** The `d` of each line's path. */
function linePaths(svg: string): string[] {
  return [...svg.matchAll(/class="line" data-series="[^"]*" d="([^"]*)"/g)].map((m) => m[1]!);
}

const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

describe('SVG rendering', () => {
  it('draws the lr over the steps: one point per step, axis titles and the title', () => {
    const svg = renderConfigSvg({ scheduler: 'StepLR', options: { stepSize: 10, gamma: 0.5 }, steps: 40 });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(wellFormed(svg)[0]).toBe('svg');
    const paths = linePaths(svg);
    expect(paths).toHaveLength(1);
    expect(paths[0]!.split(/[ML]/).filter(Boolean)).toHaveLength(40);
    expect(texts(svg)).toEqual(expect.arrayContaining(['step', 'learning rate', 'StepLR']));
  });

  it('adds a momentum panel when the schedule cycles momentum, and a line per group', () => {
    const svg = renderConfigSvg({
      scheduler: 'OneCycleLR',
      options: { maxLr: [0.1, 0.05], totalSteps: 30 },
      groups: [{}, {}],
      steps: 30,
    });
    wellFormed(svg);
    expect(linePaths(svg)).toHaveLength(4);
    expect(texts(svg)).toEqual(expect.arrayContaining(['learning rate', 'momentum', 'group 0', 'group 1']));
  });

  it('draws functional schedules', () => {
    const svg = renderConfigSvg({ schedule: 'warmupLinear', options: { initialRate: 0.01, warmupSteps: 5, totalSteps: 20 }, steps: 25 });
    wellFormed(svg);
    expect(linePaths(svg)[0]!.split(/[ML]/).filter(Boolean)).toHaveLength(25);
  });

  it('traces what the schedulers compute', () => {
    const t = traceSchedule({ scheduler: 'StepLR', options: { stepSize: 2, gamma: 0.5 }, lr: 1, steps: 5 });
    expect(t.lr).toEqual([[1, 1, 0.5, 0.5, 0.25]]);
    const m = traceSchedule({ scheduler: 'ReduceLROnPlateau', options: { patience: 0, factor: 0.5 }, lr: 1, steps: 4, metrics: [1, 2, 3] });
    expect(m.lr).toEqual([[1, 1, 0.5, 0.25]]);
    const l = traceSchedule({ scheduler: 'LambdaLR', options: { lrLambda: '1 / (1 + epoch)' }, lr: 1, steps: 3 });
    expect(l.lr).toEqual([[1, 0.5, 1 / 3]]);
  });

  it("the README's pictures are up to date (npm run docs re-renders them)", () => {
    const dir = join(pkg, 'docs', 'configs');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(10);
    const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
    for (const f of files) {
      const name = basename(f, '.json');
      const svg = renderConfigSvg(JSON.parse(readFileSync(join(dir, f), 'utf8')), { width: 420, height: 160 });
      expect(readFileSync(join(pkg, 'docs', `${name}.svg`), 'utf8'), name).toBe(svg);
      expect(readme).toContain(`docs/${name}.svg`);
    }
  });
});

describe('the tsoptim-schedule command', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tsoptim-schedule-'));
  const sink = () => {
    let text = '';
    return {
      write: (s: string) => {
        text += s;
        return true;
      },
      get text() {
        return text;
      },
    };
  };

  it('writes the SVG of a JSON config to a file', async () => {
    const config = join(tmp, 'cfg.json');
    const out = join(tmp, 'out.svg');
    writeFileSync(config, JSON.stringify({ scheduler: 'CosineAnnealingLR', options: { tMax: 20 }, steps: 21 }));
    const err = sink();
    expect(await main([config, '-o', out], { stdout: sink() as never, stderr: err as never })).toBe(0);
    const svg = readFileSync(out, 'utf8');
    wellFormed(svg);
    expect(linePaths(svg)[0]!.split(/[ML]/).filter(Boolean)).toHaveLength(21);
  });

  it('reports a bad config and fails', async () => {
    const config = join(tmp, 'bad.json');
    writeFileSync(config, JSON.stringify({ scheduler: 'NoSuchLR', steps: 3 }));
    const err = sink();
    expect(await main([config], { stdout: sink() as never, stderr: err as never })).toBe(1);
    expect(err.text).toContain('unknown scheduler "NoSuchLR"');
    expect(await main([], { stdout: sink() as never, stderr: err as never })).toBe(2);
  });

  it('runs as a command, reading the config from stdin', () => {
    const tsx = join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');
    const r = spawnSync(process.execPath, [tsx, '--conditions=@tsoptim/source', 'src/cli-run.ts', '-'], {
      cwd: pkg,
      input: JSON.stringify({ scheduler: 'ExponentialLR', options: { gamma: 0.9 }, steps: 10 }),
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(linePaths(r.stdout)[0]!.split(/[ML]/).filter(Boolean)).toHaveLength(10);
  });
});
