/**
 * Benchmark of the SVD engine on the 12 MP sample photo (4272 × 2848) and a 1 MP crop of it:
 * wall time (calling thread and worker pool), kernel throughput, passes over the matrix, peak
 * memory and accuracy, against scikit-learn's randomized_svd (float32 and float64 input) and
 * ml-matrix's full SVD measured in the same run. Prints plain-text tables on stdout.
 *
 *   npm run bench                                        (builds, then runs everything)
 *   node --expose-gc dist/bench/engine-bench.mjs --quick (after a build: 1 MP crop only, fewer repeats)
 *   … --verbose                                         (also prints every run's time, on stderr)
 *
 * Timed runs follow untimed warm-up runs (V8 tiers the WebAssembly kernels and the JIT up over
 * the first few decompositions); one "cold" first call is reported separately. The memory
 * target is checked in a fresh child process (this script with --memory-child, lib/memory.ts).
 *
 * This file only orders the sections; lib/ holds them, one concern each: config (flags, paths,
 * targets), table (formatting), measure (timing, RSS, gc), photos (decoding, fixture),
 * accuracy, sklearn (the Python subprocess, test/bench/sklearn_bench.py), engine-runs,
 * photo-tables, memory, kernels (throughput and passes), ml-matrix, summary. esbuild bundles
 * them all into dist/bench/engine-bench.mjs (scripts/build-node.mjs), so the memory child
 * re-executes that one file.
 */
import { bestKernelKind, truncatedSvd } from '../../core/index.js';
import { enableRelaxedSimd } from '../../electron/cli/relaxed-simd.js';
import { ENGINE_KERNELS, MEMORY_CHILD_FLAG, QUICK, RANKS } from './lib/config.js';
import { benchPhoto, CALLING_THREAD, type PhotoResults } from './lib/engine-runs.js';
import { printKernels, printPasses } from './lib/kernels.js';
import { timeOnce } from './lib/measure.js';
import { measureCleanMemory, memoryChild, printMemory, type CleanMemory } from './lib/memory.js';
import { mlMatrixSvd, printMlMatrix, type MlMatrixResult } from './lib/ml-matrix.js';
import { printAccuracy, printProgressive, printScaling, printTimings } from './lib/photo-tables.js';
import { loadPhotos } from './lib/photos.js';
import { printProfile } from './lib/profile.js';
import { printHeader, printSummary } from './lib/summary.js';
import { shortLabel } from './lib/table.js';

async function main(): Promise<void> {
  const started = performance.now();
  printHeader();
  console.log(
    `kernels: '${await bestKernelKind()}' chosen here (V8's relaxed-SIMD flag on, as the command line sets it; its workers share it); ` +
      `Node 20 without the flag: 'simd' (SIMD128); Chromium and Electron: 'relaxed' (on by default; test/e2e/wasm-worker.spec.ts)`,
  );
  let clean: CleanMemory | null = null;
  if (!QUICK) {
    console.error('… fresh process: 12 MP, 3 ch progressive on 2 workers (memory)');
    clean = await measureCleanMemory();
  }
  const photos = await loadPhotos();
  const crop = photos[0];
  const coldCall = await timeOnce(() => truncatedSvd(crop.channels[crop.checkChannel], { rank: RANKS[0], kernels: ENGINE_KERNELS }));
  const all: PhotoResults[] = [];
  for (const photo of photos) {
    const results = await benchPhoto(photo, crop.channels);
    if (photo === crop)
      results.cold.unshift({ configuration: `${CALLING_THREAD(ENGINE_KERNELS)}, first call (cold)`, rank: RANKS[0], seconds: coldCall });
    printTimings(results);
    printScaling(results);
    printProgressive(results);
    printAccuracy(results);
    all.push(results);
  }
  printMemory(all, clean);
  const largest = photos[photos.length - 1];
  const kernels = await printKernels(largest.channels[1]);
  await printProfile(largest.channels[1], `${shortLabel(largest.label)} G`, crop.channels[1], `${shortLabel(crop.label)} G`);
  printPasses(photos);
  let ml: MlMatrixResult | null = null;
  if (!QUICK) {
    console.error('… ml-matrix full SVD of the 1 MP crop (one run, slow)');
    ml = mlMatrixSvd(crop.channels[crop.checkChannel], crop.reference);
  }
  printMlMatrix(all[0], ml);
  printSummary(all, ml, clean, kernels);
  console.log(`\nbenchmark time: ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

// As the command line: relaxed SIMD on for this process and the pool's workers, before core
// compiles its kernels (the SIMD128 build runs too, for the rows that name it).
enableRelaxedSimd();
if (process.argv.includes(MEMORY_CHILD_FLAG)) await memoryChild();
else await main();
