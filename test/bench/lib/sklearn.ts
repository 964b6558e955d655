/**
 * scikit-learn's randomized_svd as the reference, run in Debian's /usr/bin/python3 through
 * test/bench/sklearn_bench.py (which prints one JSON object as its last line). Each run times
 * both input types (SKLEARN_DTYPES) in one Python process. The benchmark installs nothing and
 * reports what is missing.
 *
 * The subprocess's environment pins the BLAS thread count and drops OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE as the caller's environment sets them (they slow current numpy). Then the
 * reference runs on the CPU's best OpenBLAS kernels: Debian's OpenBLAS 0.3.21 falls back to its
 * generic "Prescott" kernels on some newer CPUs it does not recognize, so `chooseOpenBlasCore`
 * times a float32 product with OpenBLAS's own choice and with each core type the CPU's flags
 * allow (AVX-512: SkylakeX, Cooperlake; AVX2: Haswell) and the fastest is set as
 * OPENBLAS_CORETYPE for every sklearn run. The kernel in use is reported.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { ReferenceCase } from '../../helpers/samples.js';
import { accuracyFrom, type Accuracy } from './accuracy.js';
import { PYTHON, RANKS, ROOT, SKLEARN_DTYPES, SKLEARN_SCRIPT, type SklearnDtype } from './config.js';
import { summarize, type Timing } from './measure.js';
import type { Photo } from './photos.js';

export interface SklearnRank {
  rank: number;
  /** The input type. */
  dtype: SklearnDtype;
  /** The type randomized_svd returned. */
  outputDtype: string;
  times: number[];
  sigma?: number[];
  squaredErrors?: number[];
  residual?: number;
  orthonormality?: number;
}

interface BlasPool {
  name: string;
  threads: number | null;
  architecture: string | null;
  threadingLayer: string | null;
  file: string;
}

export interface SklearnReport {
  available: boolean;
  /** The Python module that could not be imported, when not available. */
  missing?: string;
  reason?: string;
  sklearn?: string;
  numpy?: string;
  /** The first BLAS threadpoolctl sees (or numpy's build configuration without it). */
  blas?: string;
  threads?: number | null;
  /** The kernel OpenBLAS chose for this CPU (threadpoolctl's 'architecture'). */
  architecture?: string | null;
  blasPools?: BlasPool[];
  sha256Ok?: boolean | null;
  /** ru_maxrss after each input type's runs, MB; cumulative (later types include earlier). */
  peakRssMb?: Partial<Record<SklearnDtype, number>>;
  ranks?: SklearnRank[];
}

export interface SklearnRun {
  threads: number;
  channels: number[];
  report: SklearnReport;
}

/** Removed from the Python subprocess's environment, both together. */
const OPENBLAS_OVERRIDES = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

const runFile = promisify(execFile);

export interface OpenBlasCore {
  /** OPENBLAS_CORETYPE given to sklearn's runs; null: OpenBLAS's own choice was fastest. */
  chosen: string | null;
  /** Each candidate: the core type asked (null = none), the kernel OpenBLAS reported, single-thread sgemm GFLOP/s. */
  candidates: { coreType: string | null; architecture: string; gflops: number }[];
}

const PROBE = `
import time, numpy as np
from threadpoolctl import threadpool_info
rng = np.random.default_rng(1)
a = rng.random((2000, 2000), dtype=np.float32); b = rng.random((2000, 256), dtype=np.float32)
a @ b
times = []
for _ in range(5):
    start = time.perf_counter(); a @ b; times.append(time.perf_counter() - start)
arch = [p.get('architecture') for p in threadpool_info() if p.get('internal_api') == 'openblas']
print(arch[0] if arch else '?', 2 * 2000 * 2000 * 256 / sorted(times)[2] / 1e9)
`;

let openBlasCore: OpenBlasCore | null = null;

/** Times OpenBLAS's own kernel choice against the core types this CPU's flags allow; the fastest wins (once per run). */
export async function chooseOpenBlasCore(): Promise<OpenBlasCore | null> {
  if (openBlasCore) return openBlasCore;
  let flags = '';
  try {
    flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
  } catch {
    // Not Linux: OpenBLAS's own choice only.
  }
  const has = (flag: string) => flags.split(/\s+/).includes(flag);
  const types: (string | null)[] = [null];
  if (has('avx512f') && has('avx512vl') && has('avx512bw') && has('avx512dq')) types.push('SkylakeX', 'Cooperlake');
  if (has('avx2') && has('fma')) types.push('Haswell');
  const candidates: OpenBlasCore['candidates'] = [];
  for (const coreType of types) {
    const env = sklearnEnvironment(1, null);
    if (coreType) env.OPENBLAS_CORETYPE = coreType;
    try {
      const { stdout } = await runFile(PYTHON, ['-c', PROBE], { env });
      const [architecture, gflops] = stdout.trim().split(/\s+/);
      candidates.push({ coreType, architecture, gflops: Number(gflops) });
    } catch {
      // numpy or threadpoolctl missing (the sklearn runs report it), or a core type this OpenBLAS lacks.
    }
  }
  if (candidates.length === 0) return null;
  const best = candidates.reduce((a, b) => (b.gflops > a.gflops * 1.03 ? b : a));
  openBlasCore = { chosen: best.coreType, candidates };
  return openBlasCore;
}

export function sklearnEnvironment(threads: number, coreType: string | null = openBlasCore?.chosen ?? null): NodeJS.ProcessEnv {
  const threadCount = String(threads);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMP_NUM_THREADS: threadCount,
    OPENBLAS_NUM_THREADS: threadCount,
    MKL_NUM_THREADS: threadCount,
  };
  for (const name of OPENBLAS_OVERRIDES) delete env[name];
  if (coreType) env.OPENBLAS_CORETYPE = coreType;
  return env;
}

export async function runSklearn(photo: Photo, channels: number[], threads: number, withChecks: boolean): Promise<SklearnRun> {
  await chooseOpenBlasCore();
  const { reference } = photo;
  const args = [
    SKLEARN_SCRIPT,
    '--image',
    `${ROOT}assets/samples/${reference.file}`,
    '--channels',
    channels.join(','),
    '--ranks',
    RANKS.join(','),
    '--repeats',
    String(photo.repeats),
    '--dtypes',
    SKLEARN_DTYPES.join(','),
  ];
  if (reference.crop) args.push('--crop', [reference.crop.top, reference.crop.left, reference.crop.height, reference.crop.width].join(','));
  if (withChecks) args.push('--check-channel', String(photo.checkChannel), '--sha256', reference.sha256);
  try {
    const { stdout } = await runFile(PYTHON, args, { env: sklearnEnvironment(threads), maxBuffer: 64 * 2 ** 20 });
    const lines = stdout.trim().split('\n');
    return { threads, channels, report: JSON.parse(lines[lines.length - 1]) as SklearnReport };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${PYTHON} not found` : String(error);
    return { threads, channels, report: { available: false, reason } };
  }
}

function sklearnRank(run: SklearnRun, rank: number, dtype: SklearnDtype): SklearnRank | undefined {
  return run.report.available ? run.report.ranks?.find((r) => r.rank === rank && r.dtype === dtype) : undefined;
}

export function sklearnTiming(run: SklearnRun, rank: number, dtype: SklearnDtype): Timing | undefined {
  const result = sklearnRank(run, rank, dtype);
  return result ? summarize(result.times) : undefined;
}

export function sklearnAccuracy(run: SklearnRun, rank: number, dtype: SklearnDtype, reference: ReferenceCase): Accuracy | undefined {
  const result = sklearnRank(run, rank, dtype);
  if (!result?.sigma || !result.squaredErrors || result.residual === undefined || result.orthonormality === undefined) return undefined;
  return accuracyFrom(result.sigma, result.squaredErrors, result.orthonormality, reference, result.residual);
}

/** "1 ch, sklearn f32, 1 BLAS thread". */
export function sklearnLabel(run: SklearnRun, dtype: SklearnDtype): string {
  return `${run.channels.length} ch, sklearn ${dtypeTag(dtype)}, ${run.threads} BLAS thread${run.threads === 1 ? '' : 's'}`;
}

/** float32 → f32. */
export const dtypeTag = (dtype: SklearnDtype): string => `f${dtype.slice('float'.length)}`;

export function sklearnSkipNote(run: SklearnRun): string | null {
  const { report } = run;
  if (report.available) return null;
  if (report.missing === 'sklearn') return 'sklearn: skipped: python3-sklearn not installed';
  return `sklearn: skipped: ${report.reason ?? 'unknown reason'}`;
}

/**
 * Notes saying what sklearn ran on: versions, the BLAS library, its kernel and the thread
 * counts it reported in the 1-channel and 3-channel runs, and the OpenBLAS overrides removed.
 */
export function sklearnSetupNotes(one: SklearnRun, three: SklearnRun): string[] {
  if (!one.report.available) return [];
  const { sklearn, numpy, blas, architecture, blasPools, sha256Ok } = one.report;
  const threadsSeen = (run: SklearnRun) => `${run.report.threads ?? '?'} (${run.channels.length}-ch run, asked ${run.threads})`;
  const kernel = architecture ? `, OpenBLAS kernel ${architecture}` : '';
  const notes = [
    `sklearn ${sklearn}, numpy ${numpy}, BLAS ${blas}${kernel}; BLAS threads reported: ${threadsSeen(one)}, ${threadsSeen(three)}; pixels match fixture: ${sha256Ok}`,
  ];
  const others = (blasPools ?? []).slice(1);
  if (others.length > 0)
    notes.push(
      `further BLAS loaded: ${others.map((pool) => `${pool.name} (${pool.architecture ?? '?'}, ${pool.threads ?? '?'} threads)`).join('; ')}`,
    );
  const overrides = OPENBLAS_OVERRIDES.filter((name) => process.env[name] !== undefined).map((name) => `${name}=${process.env[name]}`);
  notes.push(
    overrides.length > 0
      ? `removed from sklearn's environment (they slow current numpy): ${overrides.join(', ')}`
      : `${OPENBLAS_OVERRIDES.join(' and ')}: not set in this environment`,
  );
  if (openBlasCore) {
    const tried = openBlasCore.candidates
      .map((c) => `${c.coreType ?? 'its own choice'} → ${c.architecture} ${c.gflops.toFixed(0)} GFLOP/s`)
      .join(', ');
    notes.push(
      `OpenBLAS kernels timed (sgemm 2000×2000·2000×256, 1 thread): ${tried}; sklearn ran with ${openBlasCore.chosen ? `OPENBLAS_CORETYPE=${openBlasCore.chosen}` : "OpenBLAS's own choice"}`,
    );
  }
  return notes;
}
