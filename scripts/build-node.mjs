// Bundles the Node-side entry points with esbuild: the SVD pool's worker (it must be a plain
// .mjs file for worker_threads), the svd-studio command line and the benchmark. npm packages stay external.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  sourcemap: true,
};
await build({
  ...common,
  entryPoints: { 'svd-worker': 'electron/cli/svd-worker.ts' },
  outdir: 'dist/electron',
  outExtension: { '.js': '.mjs' },
});
await build({
  ...common,
  entryPoints: { cli: 'electron/cli/bin.ts' },
  outdir: 'dist/electron',
  outExtension: { '.js': '.mjs' },
  banner: { js: '#!/usr/bin/env node' },
});
// The desktop app: main (ES module) and the preload (one CommonJS file: sandboxed preloads cannot be modules).
await build({ ...common, entryPoints: { main: 'electron/main/main.ts' }, outdir: 'dist/electron', outExtension: { '.js': '.mjs' } });
await build({
  ...common,
  format: 'cjs',
  entryPoints: { preload: 'electron/preload/preload.ts' },
  outdir: 'dist/electron',
  outExtension: { '.js': '.cjs' },
});
await build({
  ...common,
  entryPoints: {
    'engine-bench': 'test/bench/engine-bench.ts',
    'codec-bench': 'test/bench/codec-bench.ts',
    'ui-bench': 'test/bench/ui/main.ts',
    'learn-bench': 'test/bench/learn-bench.ts',
    soak: 'test/soak/main.ts',
  },
  outdir: 'dist/bench',
  outExtension: { '.js': '.mjs' },
});
console.log(
  'build-node: dist/electron/svd-worker.mjs, dist/electron/cli.mjs, dist/electron/main.mjs, dist/electron/preload.cjs, dist/bench/engine-bench.mjs, dist/bench/codec-bench.mjs, dist/bench/ui-bench.mjs, dist/bench/learn-bench.mjs, dist/bench/soak.mjs',
);
