import { existsSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { CpuBackend, Parameter, tensor } from '@tsoptim/core';
import { Adam } from '@tsoptim/optim';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The adapter on tfjs's WebGL backend, in headless Chromium: Debian's /usr/bin/chromium (never a downloaded
 * browser), driven by playwright-core, WebGL from SwiftShader. The page (test/browser/entry.ts, bundled here
 * by esbuild) is served from 127.0.0.1. Skipped, saying why, only when that Chromium is absent.
 */
const CHROMIUM = process.env.TSOPTIM_CHROMIUM ?? '/usr/bin/chromium';
const run = existsSync(CHROMIUM) ? describe : describe.skip;

/** The same gradient sequence as the page's. */
function gradAt(step: number, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, j) => Math.sin(1 + step * 7 + j * 3));
}

interface PageResult {
  error?: string;
  info: { backend: string; webglVersion: number; float32: boolean };
  steps: number[][];
  losses: number[];
  counts: number[];
  backendName: string;
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

  it('trains: Adam step for step as tsoptim on the CPU, and model.fit with a flat tensor count', async () => {
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
    console.info(`tfjs-webgl in Chromium: WebGL ${r.info.webglVersion}, float32 render targets ${r.info.float32}; fit loss ${r.losses[0]!.toFixed(4)} → ${r.losses[r.losses.length - 1]!.toFixed(5)}`);
    expect(r.info.backend).toBe('webgl');
    expect(r.backendName).toBe('tfjs-webgl');

    // The reference: tsoptim's own Adam on its CPU backend with the same gradients.
    const p = new Parameter(tensor([0.5, -1, 0.25, 2, -0.75, 1.5], { backend: new CpuBackend(), shape: [3, 2] }));
    const opt = new Adam([p], { lr: 0.1, amsgrad: true });
    r.steps.forEach((values, s) => {
      p.setGrad(gradAt(s, 6));
      opt.step();
      values.forEach((v, j) => expect(Math.abs(v - p.data[j]!), `step ${s + 1}, element ${j}`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(p.data[j]!)));
    });

    expect(r.losses[r.losses.length - 1]!).toBeLessThan(r.losses[0]! / 10);
    expect(new Set(r.counts.slice(1)).size).toBe(1);
  }, 300_000);
});

if (!existsSync(CHROMIUM)) {
  it.skip(`WebGL in headless Chromium: ${CHROMIUM} is absent (Debian's chromium package; CI installs it)`, () => {});
}
