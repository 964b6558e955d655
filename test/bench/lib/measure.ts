/**
 * Timing: medians of repeated runs, forced garbage collection (node --expose-gc), warm-up after
 * it, and the process's resident set sampled throughout; and two statistics of samples the UI
 * benchmark uses (the median of the finite values, a nearest-rank percentile).
 */
import { RSS_SAMPLE_MS, VERBOSE } from './config.js';
import { seconds } from './table.js';

export interface Timing {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function summarize(samples: readonly number[]): Timing {
  const sorted = [...samples].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/** The median of the finite values (NaN and ±Infinity, e.g. missing measurements, are left out); NaN when none. */
export function finiteMedian(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length ? summarize(finite).median : NaN;
}

/** Nearest-rank percentile (p in 0…100) of unsorted samples; NaN when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A no-op unless node runs with --expose-gc. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** High-water mark of the process's resident set (all threads), sampled every 20 ms. */
export class RssSampler {
  readonly before = process.memoryUsage.rss();
  #peak = this.before;
  readonly #timer = setInterval(() => this.#sample(), RSS_SAMPLE_MS);

  #sample(): void {
    this.#peak = Math.max(this.#peak, process.memoryUsage.rss());
  }

  /** Stops sampling; returns the peak in bytes. */
  stop(): number {
    this.#sample();
    clearInterval(this.#timer);
    return this.#peak;
  }
}

export interface Measured<T> {
  timing: Timing;
  /** RSS at the start of the first run (after a forced GC) and the peak over all runs, bytes. */
  rssBefore: number;
  rssPeak: number;
  /** The last run's result. */
  result: T;
}

/** The runs of one configuration: wall times, RSS and the last result (earlier ones are dropped). */
class Runs<T> {
  readonly #seconds: number[] = [];
  #rssBefore = 0;
  #rssPeak = 0;
  #last: T | undefined;

  constructor(readonly task: () => Promise<T>) {}

  async run(): Promise<void> {
    this.#last = undefined;
    const sampler = new RssSampler();
    if (this.#seconds.length === 0) this.#rssBefore = sampler.before;
    const start = performance.now();
    this.#last = await this.task();
    this.#seconds.push((performance.now() - start) / 1000);
    this.#rssPeak = Math.max(this.#rssPeak, sampler.stop());
  }

  measured(): Measured<T> {
    if (VERBOSE) console.error(`  runs: ${this.#seconds.map(seconds).join(', ')} s`);
    return { timing: summarize(this.#seconds), rssBefore: this.#rssBefore, rssPeak: this.#rssPeak, result: this.#last as T };
  }
}

/**
 * Runs `task` `runs` times, timing each run and sampling the RSS throughout. Collects garbage
 * first, so the RSS starts clean; a forced collection also throws away some of V8's optimized
 * code on this thread (the next two or three decompositions run 2–4× slower), so `rewarm`, if
 * given, runs untimed after it.
 */
export async function measure<T>(runs: number, task: () => Promise<T>, rewarm?: () => Promise<unknown>): Promise<Measured<T>> {
  collectGarbage();
  await rewarm?.();
  const record = new Runs(task);
  for (let run = 0; run < runs; run++) await record.run();
  return record.measured();
}

/**
 * Like `measure` for several configurations whose runs alternate (A B A B …), so that the
 * machine's slow phases hit all of them alike; for comparisons such as 1 vs 2 workers. Only for
 * work off the calling thread (the forced GC before each run would slow calling-thread work).
 */
export async function measureInterleaved<T>(runs: number, tasks: readonly (() => Promise<T>)[]): Promise<Measured<T>[]> {
  const records = tasks.map((task) => new Runs(task));
  for (let run = 0; run < runs; run++) {
    for (const record of records) {
      collectGarbage();
      await record.run();
    }
  }
  return records.map((record) => record.measured());
}

/** One untimed-by-`measure` run, in seconds: for first ("cold") calls. */
export async function timeOnce(task: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await task();
  return (performance.now() - start) / 1000;
}
