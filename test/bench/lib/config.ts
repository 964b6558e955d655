/**
 * The benchmark's flags, paths, workload and the targets from the issue.
 *
 * Paths: esbuild bundles test/bench/engine-bench.ts and everything under lib/ into one file,
 * dist/bench/engine-bench.mjs, so `import.meta.url` names a different folder bundled
 * (dist/bench/) than unbundled (test/bench/lib/). The repository root is therefore found by
 * walking up to the package.json named "svd-studio", which holds from either place. (The same
 * reason keeps test/helpers/samples.ts out of the bench: its paths are relative to itself.)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { KernelKind } from '../../../core/index.js';

export const QUICK = process.argv.includes('--quick');
export const VERBOSE = process.argv.includes('--verbose');
/** Child-process mode of the bundle: see memory.ts. */
export const MEMORY_CHILD_FLAG = '--memory-child';

function findRepositoryRoot(start: string): string {
  for (let folder = start; ; folder = dirname(folder)) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'svd-studio')
      return `${folder}/`;
    if (dirname(folder) === folder) throw new Error(`No svd-studio package.json above ${start}`);
  }
}

/** The repository root, with a trailing slash. */
export const ROOT = findRepositoryRoot(dirname(fileURLToPath(import.meta.url)));
/** The pool's bundled worker (scripts/build-node.mjs). */
export const WORKER_URL = pathToFileURL(`${ROOT}dist/electron/svd-worker.mjs`);
export const PYTHON = '/usr/bin/python3';
export const SKLEARN_SCRIPT = `${ROOT}test/bench/sklearn_bench.py`;
export const SAMPLES_DIR = `${ROOT}assets/samples/`;
export const REFERENCE_FIXTURE = `${ROOT}test/fixtures/engine-reference.json`;
export const PHOTO_FILE = 'mountain_sunset_4272x2848_12mp.jpg';

export const RANKS = [32, 256] as const;
export const PROGRESSIVE_STAGES: readonly number[] = [32, 128, 256];
/** The stage whose arrival is the preview milestone. */
export const PREVIEW_RANK = PROGRESSIVE_STAGES[0];
export const WORKING_RANK = PROGRESSIVE_STAGES[PROGRESSIVE_STAGES.length - 1];
export const SKLEARN_ITERATIONS = 4; // q
export const SKLEARN_OVERSAMPLES = 10; // p
/** sklearn's input types, timed in one Python process; the first is the strict comparison. */
export const SKLEARN_DTYPES = ['float32', 'float64'] as const;
export type SklearnDtype = (typeof SKLEARN_DTYPES)[number];
export const RSS_SAMPLE_MS = 20;
export const WARM_UP_ROUNDS = 3;
export const KERNEL_WIDTHS = [32, 64] as const;
export const KERNEL_REPEATS: Record<KernelKind, number> = QUICK ? { relaxed: 3, simd: 3, plain: 1 } : { relaxed: 7, simd: 7, plain: 3 };
/**
 * The engine's kernels in the pool, progressive and memory runs: relaxed SIMD, as the command
 * line runs (engine-bench turns V8's flag on for this process and its workers, as the CLI does);
 * the calling-thread rows also run SIMD128, the kernels without the flag.
 */
export const ENGINE_KERNELS: KernelKind = 'relaxed';

// Targets from the issue.
export const TARGET_SKLEARN_RATIO = 2;
export const TARGET_RANK32_SECONDS = 1;
export const TARGET_PEAK_RSS_MB = 600;
export const TARGET_ML_MATRIX_SPEEDUP = 100;
/** The progressive stages against one direct run at the working rank (3 channels, 2 workers). */
export const TARGET_PROGRESSIVE_RATIO = 1.15;
/** Relaxed-SIMD kernels against SIMD128 on the engine's product shapes. */
export const TARGET_KERNEL_SPEEDUP = 1.7;

/** The commit measured (short hash, marked when the tree has uncommitted changes), or null outside git. */
export function gitCommit(): string | null {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain') === '' ? commit : `${commit} + uncommitted changes`;
  } catch {
    return null;
  }
}
