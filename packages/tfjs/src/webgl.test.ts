import { existsSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { CpuBackend, Parameter, tensor } from '@tsoptim/core';
import { Adam } from '@tsoptim/optim';
import { afterAll, describe, expect, it } from 'vitest';
import { CASES, INIT, SHAPE, gradAt } from '../test/browser/cases.js';

/**
 * The adapter on tfjs's WebGL backend, in headless Chromium: Debian's /usr/bin/chromium (never a downloaded
 * browser), driven by playwright-core, WebGL from SwiftShader. The page (test/browser/entry.ts, bundled here
 * by esbuild) is served from 127.0.0.1. Skipped, saying why, only when that Chromium is absent.
 */
const CHROMIUM = process.env.TSOPTIM_CHROMIUM ?? '/usr/bin/chromium';
const run = existsSync(CHROMIUM) ? describe : describe.skip;

interface PageResult {
  error?: string;
  info: { backend: string; webglVersion: number; float32: boolean };
  steps: number[][];
  losses: number[];
  counts: number[];
  backendName: string;
  fused: { values: Record<string, number[][]>; runs: { fused: number; chained: number } };
  chained: { values: Record<string, number[][]>; runs: { fused: number; chained: number } };
  speed: { n: number; fusedMs: number; chainMs: number };
}

/** tsoptim's own values on its CPU backend for the same steps. */
function reference(make: (typeof CASES)[number][1], steps: number): Float32Array[] {
  const p = new Parameter(tensor(INIT, { backend: new CpuBackend(), shape: SHAPE }));
  const opt = make([p]);
  const out: Float32Array[] = [];
  for (let s = 0; s < steps; s++) {
    p.setGrad(gradAt(s, INIT.length));
    opt.step();
    out.push(p.data.slice());
  }
  return out;
}

function expectClose(got: number[][], want: Float32Array[], what: string): void {
  got.forEach((values, s) =>
    values.forEach((v, j) => {
      const w = want[s]![j]!;
      expect(Math.abs(v - w), `${what}, step ${s + 1}, element ${j}: ${v} vs ${w}`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(w));
    }),
  );
}

async function bundle(): Promise<string> {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [fileURLToPath(new URL('../test/browser/entry.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    conditions: ['@tsoptim/source'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

run(`adapter on tfjs-webgl in headless Chromium (${CHROMIUM})`, () => {
  let server: Server | undefined;
  let browser: { close(): Promise<void> } | undefined;
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('trains: eleven optimizers step for step as tsoptim on the CPU (fused programs and op chains), model.fit with a flat tensor count', async () => {
    const js = await bundle();
    server = createServer((req, res) => {
      if (req.url === '/bundle.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      } else {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/bundle.js"></script>');
      }
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const { chromium } = await import('playwright-core');
    const b = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless=new', '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
    });
    browser = b;
    const page = await b.newPage();
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 240_000 });
    const r = (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as PageResult;
    expect(r.error, logs.join('\n')).toBeUndefined();
    console.info(
      `tfjs-webgl in Chromium: WebGL ${r.info.webglVersion}, float32 render targets ${r.info.float32}; fit loss ${r.losses[0]!.toFixed(4)} → ${r.losses[r.losses.length - 1]!.toFixed(5)}`,
    );
    expect(r.info.backend).toBe('webgl');
    expect(r.backendName).toBe('tfjs-webgl');

    // The reference: tsoptim's own optimizers on its CPU backend with the same gradients.
    expectClose(
      r.steps,
      reference((p) => new Adam(p, { lr: 0.1, amsgrad: true }), r.steps.length),
      'Adam in the default adapter',
    );
    for (const [name, make] of CASES) {
      const want = reference(make, r.fused.values[name]!.length);
      expectClose(r.fused.values[name]!, want, `${name}, fused WebGL programs`);
      expectClose(r.chained.values[name]!, want, `${name}, tfjs op chains`);
    }
    // Every run of the first took the fused path, every run of the second the op chains.
    expect(r.fused.runs.chained).toBe(0);
    expect(r.fused.runs.fused).toBeGreaterThan(0);
    expect(r.chained.runs.fused).toBe(0);
    console.info(
      `Adam step on ${r.speed.n} elements, tfjs-webgl (SwiftShader): fused ${r.speed.fusedMs.toFixed(2)} ms, op chain ${r.speed.chainMs.toFixed(2)} ms`,
    );

    expect(r.losses[r.losses.length - 1]!).toBeLessThan(r.losses[0]! / 10);
    expect(new Set(r.counts.slice(1)).size).toBe(1);
  }, 300_000);
});

if (!existsSync(CHROMIUM)) {
  it.skip(`WebGL in headless Chromium: ${CHROMIUM} is absent (Debian's chromium package; CI installs it)`, () => {});
}
