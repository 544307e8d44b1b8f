#!/usr/bin/env bash
# Prepares a bare Debian bookworm machine (no GPU) to run @tsoptim/backend-gpujs in gpu.js's `headlessgl`
# mode: Mesa's llvmpipe software rasteriser behind an Xvfb display, and the `gl` (headless-gl) native module
# built from source.
#
# Why from source: gpu.js lists `gl` as an optional dependency; its install script first downloads a prebuilt
# binary from GitHub (unreachable here) and then falls back to node-gyp, and when that build fails the package
# install still succeeds and gpu.js silently runs every kernel on the CPU. This script builds `gl` directly with
# node-gyp against the installed Node's own headers (no download), then proves that gpu.js really selects its
# HeadlessGLKernel. The test suite asserts the same thing again when TSOPTIM_REQUIRE_GPU_MODE=headlessgl.
#
# Usage (from anywhere, after `pnpm install`):   tooling/ci/setup-gpujs.sh
# Then:   TSOPTIM_REQUIRE_GPU_MODE=headlessgl xvfb-run -a npx -y pnpm@10.34.9 --filter @tsoptim/backend-gpujs test
#
# Idempotent: apt skips installed packages, and the build is skipped when a working binary is present
# (set TSOPTIM_GL_REBUILD=1 to force it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PKG="$ROOT/packages/backend-gpujs"

log() { printf '[setup-gpujs] %s\n' "$*" >&2; }

# --- 1. System packages -------------------------------------------------------------------------------------
APT_PACKAGES=(
  build-essential python3 pkg-config          # node-gyp toolchain
  libxi-dev libxext-dev libglu1-mesa-dev libglew-dev libgl1-mesa-dev   # headless-gl's build dependencies
  libgl1-mesa-dri libglx-mesa0                # Mesa llvmpipe: OpenGL on the CPU
  xvfb xauth                                  # a virtual X display (xvfb-run)
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=''
  if [ "$(id -u)" -ne 0 ]; then SUDO='sudo'; fi
  log "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}"
else
  log 'system packages present'
fi

# --- 2. Locate the `gl` module gpu.js will load ------------------------------------------------------------
GL_DIR="$(cd "$PKG" && node -e "
const { createRequire } = require('node:module');
const path = require('node:path');
const fromPkg = createRequire(path.join(process.cwd(), 'package.json'));
const gpujs = path.dirname(fromPkg.resolve('gpu.js/package.json'));
const fromGpujs = createRequire(path.join(gpujs, 'package.json'));
process.stdout.write(path.dirname(fromGpujs.resolve('gl/package.json')));
")" || { log 'cannot find the gl package next to gpu.js: run pnpm install first'; exit 1; }
log "gl module: $GL_DIR"

gl_loads() {
  (cd "$GL_DIR" && xvfb-run -a node -e "
    const ctx = require('./index.js')(4, 4);
    if (!ctx) { console.error('gl: createContext returned null'); process.exit(1); }
    const ext = ctx.getExtension('OES_texture_float');
    console.error('gl: ' + ctx.getParameter(ctx.VERSION) + ' / ' + ctx.getParameter(ctx.RENDERER) + (ext ? ' / float textures' : ' / NO float textures'));
    ctx.getExtension('STACKGL_destroy_context')?.destroy();
    process.exit(ext ? 0 : 1);
  ")
}

# --- 3. Build it from source ----------------------------------------------------------------------------------
if [ "${TSOPTIM_GL_REBUILD:-0}" != 1 ] && [ -f "$GL_DIR/build/Release/webgl.node" ] && gl_loads; then
  log 'gl already built and working'
else
  NODE_PREFIX="$(dirname "$(dirname "$(node -p process.execPath)")")"
  NODEDIR_ARGS=()
  if [ -f "$NODE_PREFIX/include/node/node_version.h" ]; then
    NODEDIR_ARGS=(--nodedir="$NODE_PREFIX")   # the running Node's headers: no download
  else
    log "no Node headers under $NODE_PREFIX/include/node: node-gyp will try to download them"
  fi
  NODE_GYP="$(cd "$GL_DIR" && node -p "require.resolve('node-gyp/bin/node-gyp.js')")"
  log "building gl with $(node "$NODE_GYP" --version) (a few minutes)"
  start=$SECONDS
  (cd "$GL_DIR" && JOBS=max node "$NODE_GYP" rebuild --jobs=max "${NODEDIR_ARGS[@]}" >"$GL_DIR/build-log.txt" 2>&1) || {
    tail -n 40 "$GL_DIR/build-log.txt" >&2
    log 'gl build FAILED'
    exit 1
  }
  log "gl built in $((SECONDS - start)) s"
  gl_loads || { log 'gl was built but does not create a float-capable context'; exit 1; }
fi

# --- 4. Prove gpu.js picks the real mode ----------------------------------------------------------------------
(cd "$PKG" && xvfb-run -a node -e "
const { GPU } = require('gpu.js');
if (!GPU.isHeadlessGLSupported) { console.error('gpu.js: headlessgl NOT supported'); process.exit(1); }
const gpu = new GPU({ mode: 'headlessgl' });
const k = gpu.createKernel(function (a) { return a[this.thread.x] * 2; }, { output: [3], precision: 'single' });
const out = Array.from(k([1, 2, 3.5]));
const kind = k.kernel.constructor.name;
console.error('gpu.js: ' + kind + ' -> ' + out.join(','));
gpu.destroy().then(() => process.exit(kind === 'HeadlessGLKernel' && out.join(',') === '2,4,7' ? 0 : 1));
")
log 'headlessgl ready; run the tests under xvfb-run -a with TSOPTIM_REQUIRE_GPU_MODE=headlessgl'
