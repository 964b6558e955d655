/**
 * Peak memory: the memory target is checked in a fresh child process — the bundled benchmark
 * itself, re-executed with --memory-child — that only decodes the photo and decomposes it as
 * the studio does. The in-process peaks, printed beside it, also count what the benchmark holds.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createNodeSvdPool } from '../../../electron/cli/svd-pool.js';
import { ENGINE_KERNELS, MEMORY_CHILD_FLAG, PROGRESSIVE_STAGES, RANKS, SKLEARN_DTYPES, WORKER_URL, WORKING_RANK } from './config.js';
import type { PhotoResults } from './engine-runs.js';
import { RssSampler, type Measured } from './measure.js';
import { decodePhoto } from './photos.js';
import { printTable, megabytes, seconds, shortLabel } from './table.js';

/** Peak RSS of a fresh process doing what the studio does with the 12 MP photo. */
export interface CleanMemory {
  afterDecode: number;
  peak: number;
  maxRss: number;
  seconds: number;
}

/**
 * Child-process mode: decode the 12 MP photo, split it, decompose the three channels with the
 * default progressive stages on two workers, sampling the RSS from the start. Unlike the runs
 * inside the benchmark, nothing else (other photos, earlier results, the benchmark's own
 * copies) is held, so this is the number to hold against the memory target. Prints one JSON
 * line.
 */
export async function memoryChild(): Promise<void> {
  const sampler = new RssSampler();
  const channels = await decodePhoto();
  const afterDecode = process.memoryUsage.rss();
  const pool = createNodeSvdPool({ size: 2, workerUrl: WORKER_URL });
  const start = performance.now();
  await pool.decompose(channels, { stages: PROGRESSIVE_STAGES, kernels: ENGINE_KERNELS });
  const elapsed = (performance.now() - start) / 1000;
  pool.close();
  const report: CleanMemory = { afterDecode, peak: sampler.stop(), maxRss: process.resourceUsage().maxRSS * 1024, seconds: elapsed };
  console.log(JSON.stringify(report));
}

/**
 * Runs the memory child. The script is process.argv[1], the entry point that is running (the
 * bundle, since lib/ is bundled into it; `import.meta.url` would name this module's source
 * when unbundled), with the same node flags (--expose-gc, or a TypeScript loader).
 */
export async function measureCleanMemory(): Promise<CleanMemory> {
  const nodeFlags = process.execArgv.includes('--expose-gc') ? process.execArgv : [...process.execArgv, '--expose-gc'];
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeFlags, process.argv[1], MEMORY_CHILD_FLAG]);
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as CleanMemory;
}

export function printMemory(all: readonly PhotoResults[], clean: CleanMemory | null): void {
  const rows: string[][] = [];
  const mb = (bytes: number) => megabytes(bytes);
  for (const results of all) {
    const name = shortLabel(results.photo.label);
    const measured: [string, number, Measured<unknown>][] = results.rows.map((row) => [row.configuration, row.rank, row.measured]);
    for (const row of results.progressive) {
      const start = row.coarseStart ? ', coarse first stage' : '';
      measured.push([`3 ch, progressive [${PROGRESSIVE_STAGES.join(',')}]${start}, 2 workers`, WORKING_RANK, row.total]);
    }
    for (const [configuration, rank, m] of measured) {
      rows.push([name, configuration, String(rank), mb(m.rssBefore), mb(m.rssPeak), mb(m.rssPeak - m.rssBefore)]);
    }
    for (const run of [results.sklearnOne, results.sklearnThree]) {
      const peaks = run.report.peakRssMb ?? {};
      SKLEARN_DTYPES.forEach((dtype, i) => {
        const peak = peaks[dtype];
        const types = SKLEARN_DTYPES.slice(0, i + 1).join(' + ');
        if (peak !== undefined)
          rows.push([
            name,
            `sklearn, ${run.channels.length} ch, ${types} (Python process, max RSS)`,
            RANKS.join('+'),
            '-',
            peak.toFixed(0),
            '-',
          ]);
      });
    }
  }
  if (clean) {
    rows.push([
      '12 MP',
      'fresh process: decode + 3 ch progressive, 2 workers',
      String(WORKING_RANK),
      mb(clean.afterDecode),
      mb(clean.peak),
      mb(clean.peak - clean.afterDecode),
    ]);
  }
  printTable(
    "Peak memory — process RSS (all threads) in MB, sampled every 20 ms during each configuration's runs",
    ['photo', 'configuration', 'rank', 'before', 'peak', 'peak − before'],
    rows,
    {
      align: 'llrrrr',
      notes: [
        'In-benchmark rows include what the benchmark itself holds (both photos\' channels, earlier results, V8 heap); "before" is after a forced GC.',
        "sklearn rows: the Python process's max RSS after its float32 runs, then after the float64 runs too (it only grows).",
        clean
          ? `Fresh process: "before" = after decoding; its resourceUsage().maxRSS = ${mb(clean.maxRss)} MB, decomposition ${seconds(clean.seconds)} s.`
          : 'Fresh-process measurement skipped (--quick).',
        'During the pool rows both pools (1 + 2 workers) are alive, and workers keep their last WebAssembly memory between jobs.',
      ],
    },
  );
}
