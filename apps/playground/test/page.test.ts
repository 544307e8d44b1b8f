// Builds the page, serves it cross-origin isolated from 127.0.0.1, and drives Debian's chromium through
// playwright-core (no browser download): the page loads, previews the schedule, trains in its worker on two
// threads, the loss falls, both charts have points, a one-thread replay is bit-identical, and a state dict
// downloaded part-way and uploaded again resumes the run exactly. A screenshot lands in .test-results/ at the
// repository root.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolationHeaders } from '../vite.config.js';

const CHROMIUM = process.env.TSOPTIM_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`playground page test skipped: no chromium at ${CHROMIUM} (Debian: apt-get install chromium; or set TSOPTIM_CHROMIUM)`);
}

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(appDir, '../..');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

/** A static server for `root`, by default with the cross-origin-isolation headers. */
function serve(root: string, headers: Record<string, string> = isolationHeaders): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(root, path === '/' ? 'index.html' : path);
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', ...headers });
    res.end(readFileSync(file));
  });
  return new Promise((done) => {
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      done({ server, url: `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}/` });
    });
  });
}

interface PageState {
  ready: boolean;
  backend: { threads: number; isolated: boolean; threadedRuns: number } | null;
  step: number;
  total: number;
  pausedAt: number | null;
  done: boolean;
  losses: number[];
  lrs: number[];
  preview: number[];
  verify: { identical: boolean; steps: number; threadedRuns: number; threads: number } | null;
  loadedStep: number | null;
  error: string | null;
}

describe.skipIf(!hasChromium)('the playground page in chromium', () => {
  let outDir = '';
  let server: Server | null = null;
  let url = '';
  let browser: Browser | null = null;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'tsoptim-playground-'));
    await build({
      root: appDir,
      configFile: join(appDir, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true, minify: false },
    });
    ({ server, url } = await serve(outDir));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless=new', '--no-sandbox'] });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    if (outDir !== '') rmSync(outDir, { recursive: true, force: true });
  });

  it('trains on two threads, the loss falls, both charts have points, a one-thread replay is bit-identical, and a checkpoint resumes exactly', async () => {
    const context = await browser!.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    await page.goto(url);
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    await page.waitForFunction(() => (globalThis as { playground?: PageState }).playground?.ready === true, undefined, { timeout: 30_000 });

    // A short run: 2,048 images, batch 32, one epoch (64 steps), Adam under one-cycle with an EMA copy.
    await page.evaluate(() => {
      const set = (id: string, v: string) => {
        const el = document.getElementById(id) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
        el.value = v;
        el.dispatchEvent(new Event('change'));
      };
      set('train-size', '2048');
      set('batch', '32');
      set('epochs', '1');
      set('optimizer', '@tsoptim/optim:adam');
      set('optimizer-options', '{"lr":0.005}');
      set('scheduler', 'one_cycle_lr');
      set('averaging', 'ema');
    });
    const read = () => page.evaluate(() => (globalThis as unknown as { playground: PageState }).playground);
    const before = await read();
    expect(before.preview.length).toBe(64);
    expect(Number(await page.locator('#preview-chart').getAttribute('data-points'))).toBe(64);
    expect(await page.locator('#preview-chart svg path.line').count()).toBe(1);

    const isDone = () =>
      page.waitForFunction(
        () => {
          const s = (globalThis as { playground?: PageState }).playground!;
          return s.done || s.error !== null;
        },
        undefined,
        { timeout: 40_000 },
      );
    // Train, pausing at step 20, download the state dict there, then finish.
    await page.fill('#pause-at', '20');
    await page.click('#train');
    await page.waitForFunction(() => (globalThis as { playground?: PageState }).playground!.pausedAt === 20, undefined, {
      timeout: 30_000,
    });
    const [midDownload] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
    const midPath = (await midDownload.path())!;
    const mid = JSON.parse(readFileSync(midPath, 'utf8')) as { step: number; format: string };
    expect(mid).toMatchObject({ format: 'tsoptim-playground/1', step: 20 });
    await page.click('#resume');
    await isDone();
    const after = await read();
    expect(after.error).toBeNull();
    expect(after.step).toBe(64);
    expect(after.losses).toHaveLength(64);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(after.losses.slice(-8))).toBeLessThan(0.6 * mean(after.losses.slice(0, 8)));
    // The learning rates the run used are the previewed schedule.
    expect(after.lrs).toEqual(before.preview);
    for (const chart of ['#loss-chart', '#lr-chart']) {
      expect(Number(await page.locator(chart).getAttribute('data-points'))).toBe(64);
      // The drawn line has a point per step (one move, then 63 segments).
      const d = (await page.locator(`${chart} svg path.line`).getAttribute('d')) ?? '';
      expect(d.match(/[ML]/g)?.length).toBe(64);
    }
    // Two threads in the worker, and runs that the helper thread split.
    expect(after.backend).toMatchObject({ threads: 2, isolated: true });
    expect(after.backend!.threadedRuns).toBeGreaterThan(0);

    await page.click('#verify');
    await page.waitForFunction(() => (globalThis as { playground?: PageState }).playground?.verify !== null, undefined, {
      timeout: 30_000,
    });
    const verify = (await read()).verify!;
    expect(verify).toMatchObject({ identical: true, steps: 64, threads: 2 });

    // The state dict saved part-way, uploaded, resumes the run exactly: the same losses to the last step.
    await page.setInputFiles('#load', midPath);
    await page.waitForFunction((k) => (globalThis as { playground?: PageState }).playground?.loadedStep === k, mid.step, {
      timeout: 10_000,
    });
    expect((await read()).losses).toEqual(after.losses.slice(0, mid.step));
    await page.click('#resume');
    await isDone();
    const resumed = await read();
    expect(resumed.error).toBeNull();
    expect(resumed.losses).toEqual(after.losses);
    expect(resumed.lrs).toEqual(after.lrs);

    // The page's own main thread splits too, without blocking (it spins after its half).
    const main = await page.evaluate(() =>
      (
        globalThis as unknown as { playgroundMainThreadCheck(): Promise<{ threads: number; threadedRuns: number; identical: boolean }> }
      ).playgroundMainThreadCheck(),
    );
    expect(main).toMatchObject({ threads: 2, identical: true });
    expect(main.threadedRuns).toBeGreaterThan(0);

    mkdirSync(join(repoRoot, '.test-results'), { recursive: true });
    await page.screenshot({ path: join(repoRoot, '.test-results', 'playground.png'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('runs on one thread, and says why once, when the page is not cross-origin isolated', async () => {
    const plain = await serve(outDir, {});
    try {
      const page = await browser!.newPage();
      const warnings: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'warning') warnings.push(m.text());
      });
      await page.goto(plain.url);
      expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(false);
      await page.waitForFunction(() => (globalThis as { playground?: PageState }).playground?.ready === true, undefined, {
        timeout: 30_000,
      });
      expect((await page.evaluate(() => (globalThis as unknown as { playground: PageState }).playground)).backend).toMatchObject({
        threads: 1,
        isolated: false,
      });
      const why = warnings.filter((w) => w.includes('runs on one thread'));
      expect(why).toHaveLength(1);
      expect(why[0]).toContain('Cross-Origin-Embedder-Policy: require-corp');
      await page.close();
    } finally {
      plain.server.close();
    }
  }, 60_000);
});
