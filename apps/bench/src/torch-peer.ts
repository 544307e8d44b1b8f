import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The Python interpreter whose torch is measured (Debian's python3-torch). */
export const TORCH_PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../python/torch_peer.py', import.meta.url));

/** torch's CPU optimizers in a child process (python/torch_peer.py), timed there. */
export interface TorchPeer {
  readonly version: string;
  /** torch's default intra-op thread count in that process. */
  readonly defaultThreads: number;
  /** The intra-op thread count it was started with (torch.set_num_threads). */
  readonly threads: number;
  readonly cores: number;
  /** Creates `count` parameters of `size` elements with constant gradients and the optimizer `algo`. */
  prepare(id: string, algo: string, count: number, size: number): Promise<boolean>;
  /** Seconds of `batch` steps (NaN on failure). */
  step(id: string, batch?: number): Promise<number>;
  /** Optimizer state bytes per parameter element (NaN on failure). */
  stateBytes(id: string): Promise<number>;
  drop(id: string): Promise<void>;
  close(): void;
}

type Answer = Record<string, unknown>;

/**
 * Why torch cannot be measured here (`/usr/bin/python3 -c "import torch"` failed), or null when it can.
 */
export function torchUnavailableReason(): string | null {
  const r = spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return `${TORCH_PYTHON} did not run (${r.error.message})`;
  if (r.status !== 0) return `${TORCH_PYTHON} -c "import torch" failed: ${(r.stderr || '').trim().split('\n').pop()}`;
  return null;
}

/**
 * Starts a torch child process limited to `threads` intra-op threads. Resolves to null (with nothing left
 * running) when it does not start.
 *
 * @example
 * const torch = await startTorch(1);
 * if (torch) { await torch.prepare('a', 'adam', 1, 1e6); console.log(await torch.step('a')); torch.close(); }
 */
export async function startTorch(threads: number): Promise<TorchPeer | null> {
  let proc: ChildProcessWithoutNullStreams;
  try {
    proc = spawn(TORCH_PYTHON, [SCRIPT, String(threads)], { env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  } catch {
    return null;
  }
  let buf = '';
  const waiting: ((a: Answer) => void)[] = [];
  const lines: Answer[] = [];
  const deliver = (a: Answer) => {
    const w = waiting.shift();
    if (w) w(a);
    else lines.push(a);
  };
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        deliver(JSON.parse(line) as Answer);
      } catch {
        deliver({ error: line });
      }
    }
  });
  proc.stderr.resume();
  let exited = false;
  proc.on('error', () => {
    exited = true;
    while (waiting.length > 0) waiting.shift()!({ error: 'torch process failed' });
  });
  proc.on('exit', () => {
    exited = true;
    while (waiting.length > 0) waiting.shift()!({ error: 'torch process exited' });
  });
  const next = (): Promise<Answer> =>
    new Promise((resolve) => {
      const l = lines.shift();
      if (l) resolve(l);
      else if (exited) resolve({ error: 'torch process exited' });
      else waiting.push(resolve);
    });
  const ask = (req: Answer): Promise<Answer> => {
    if (exited) return Promise.resolve({ error: 'torch process exited' });
    proc.stdin.write(`${JSON.stringify(req)}\n`);
    return next();
  };
  const hello = await next();
  if (typeof hello.version !== 'string') {
    proc.kill();
    return null;
  }
  return {
    version: hello.version,
    defaultThreads: Number(hello.threads),
    cores: Number(hello.cores),
    threads,
    prepare: async (id, algo, count, size) => (await ask({ op: 'prepare', id, algo, count, size })).ok === true,
    step: async (id, batch = 1) => {
      const a = await ask({ op: 'step', id, batch });
      return typeof a.seconds === 'number' ? a.seconds : Number.NaN;
    },
    stateBytes: async (id) => {
      const a = await ask({ op: 'state_bytes', id });
      return typeof a.bytes_per_param === 'number' ? a.bytes_per_param : Number.NaN;
    },
    drop: async (id) => {
      await ask({ op: 'drop', id });
    },
    close: () => {
      if (!exited) proc.stdin.end();
    },
  };
}
