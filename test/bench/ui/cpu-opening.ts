/**
 * One opening per input with the browser's threads' CPU time sampled from /proc (Linux), apart
 * from the timed runs (sampling every CPU_SAMPLE_MS costs CPU): where the CPU goes between the
 * decoded pixels and the first preview, by kind of thread. The page's workers (SVD, preview,
 * engine, decoder) run on 'DedicatedWorker' threads of the renderer process; V8's optimizing
 * compilers and its concurrent GC on 'ThreadPoolForegroundWorker' threads.
 */
import type { Browser } from '@playwright/test';
import { chromiumThreadCpu, machineCpu, type ThreadCpu } from '../../helpers/browser-cpu.js';
import type { Input } from './inputs.js';
import { chooseAndWait, untilWarm } from './runs.js';
import { VIEWPORT } from './settings.js';

export const CPU_SAMPLE_MS = 25;

/** Kinds of thread, in the table's order; a thread takes the first kind it matches. */
export const CPU_KINDS: readonly { label: string; matches: (t: ThreadCpu) => boolean }[] = [
  { label: 'page workers', matches: (t) => t.process === 'renderer' && t.thread.startsWith('DedicatedWorker') },
  { label: 'renderer thread pool (V8 compiles, GC…)', matches: (t) => t.process === 'renderer' && t.thread.startsWith('ThreadPoolForeg') },
  { label: 'page main thread', matches: (t) => t.process === 'renderer' && t.main },
  { label: 'rest of the browser', matches: () => true },
];

export type CpuOpening =
  | {
      /** Seconds from the decoded pixels to the first preview. */
      windowS: number;
      /** The share of all cores busy in that window (every process on the machine). */
      machineBusy: number | null;
      cores: number | null;
      /** CPU ms in that window, per CPU_KINDS entry. */
      kindsMs: number[];
    }
  | { failed: string };

interface Sample {
  /** Epoch ms, halfway through reading /proc. */
  t: number;
  threads: Map<string, ThreadCpu>;
  machine: { busyMs: number; totalMs: number } | null;
}

export async function cpuOpening(browser: Browser, url: string, input: Input): Promise<CpuOpening> {
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  const samples: Sample[] = [];
  const sample = () => {
    const before = Date.now();
    const threads = chromiumThreadCpu();
    const machine = machineCpu();
    samples.push({ t: (before + Date.now()) / 2, threads, machine });
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  try {
    const page = await context.newPage();
    await page.goto(url);
    await untilWarm(page);
    sample();
    if (samples[0].threads.size === 0) {
      return { failed: "the browser's threads cannot be read here (Linux's /proc, with the browser at CHROMIUM_PATH or Debian's)" };
    }
    timer = setInterval(sample, CPU_SAMPLE_MS);
    const failed = await chooseAndWait(page, input, 'first-preview');
    clearInterval(timer);
    if (failed !== null) return { failed };
    sample();
    const at = await page.evaluate(() => {
      const decode = performance.getEntriesByName('decode', 'measure').at(-1);
      const preview = performance.getEntriesByName('first-preview', 'measure').at(-1)!;
      return {
        decoded: decode ? performance.timeOrigin + decode.startTime + decode.duration : null,
        preview: performance.timeOrigin + preview.startTime + preview.duration,
      };
    });
    if (at.decoded === null) return { failed: "no 'decode' measure" };
    const nearest = (t: number) => samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best));
    const from = nearest(at.decoded);
    const to = nearest(at.preview);
    if (to.t <= from.t) return { failed: 'the decoded pixels and the first preview fell in one sample' };
    // Threads alive at the window's end; one that ended inside it is not counted.
    const kindsMs = CPU_KINDS.map(() => 0);
    for (const [key, thread] of to.threads) {
      const spent = thread.ms - (from.threads.get(key)?.ms ?? 0);
      kindsMs[CPU_KINDS.findIndex((kind) => kind.matches(thread))] += spent;
    }
    const machine =
      from.machine && to.machine
        ? { busy: to.machine.busyMs - from.machine.busyMs, total: to.machine.totalMs - from.machine.totalMs }
        : null;
    const wallMs = to.t - from.t;
    return {
      windowS: wallMs / 1000,
      machineBusy: machine && machine.total > 0 ? machine.busy / machine.total : null,
      cores: machine && wallMs > 0 ? Math.round(machine.total / wallMs) : null,
      kindsMs,
    };
  } catch (error) {
    return { failed: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  } finally {
    clearInterval(timer);
    await context.close();
  }
}
