/**
 * One run on one input, in a fresh browser context: open the photo, wait for "ready" (sampling
 * the browser's memory meanwhile), drag the rank slider, jump it, wait for the measurements at
 * the last rank (sampling memory again) and for the analysis worker to end as idle, then read what
 * the page recorded and relate it to the moment the file was chosen.
 */
import type { Browser, Page } from '@playwright/test';
import { attributionOf } from './attribution.js';
import { chromiumPssMb, memorySampler } from '../../helpers/browser-memory.js';
import { runningWorkers } from '../../helpers/workers.js';
import type { Input } from './inputs.js';
import { instrumentPage, type PageWindow } from './instrument.js';
import {
  DRAG_SPAN,
  DRAIN_QUIET_MS,
  DRAIN_TIMEOUT_MS,
  JUMPS,
  JUMP_TIMEOUT_MS,
  MEASURE_TIMEOUT_MS,
  MEASURED_MARK,
  OPEN_TIMEOUT_MS,
  RELEASE_TIMEOUT_MS,
  SETTLE_MS,
  VIEWPORT,
  WARM_TIMEOUT_MS,
} from './settings.js';
import { dragRanks, jumpRanks, runDrag, runJumps } from './slider.js';

/** The page's window: the waits and reads below run in the page, not in Node. */
declare const window: PageWindow;

/**
 * A person takes a moment to choose a file: waits until the studio has warmed up (its
 * 'studio:warm' mark, or WARM_TIMEOUT_MS), then SETTLE_MS. Seconds from loading to the mark, or null.
 */
export async function untilWarm(page: Page): Promise<number | null> {
  const warm = await page
    .waitForFunction(() => performance.getEntriesByName('studio:warm', 'mark')[0]?.startTime ?? false, undefined, {
      timeout: WARM_TIMEOUT_MS,
    })
    .then(async (handle) => ((await handle.jsonValue()) as number) / 1000)
    .catch(() => null);
  await page.waitForTimeout(SETTLE_MS);
  return warm;
}

/**
 * Chooses `input` with the file input and waits, up to OPEN_TIMEOUT_MS, until the studio has
 * reached `until` ('ready': the viewer's state; 'first-preview': the page's measure of that name)
 * or shows its error banner. Null once reached, else why not ('error: ' and the banner's text).
 */
export async function chooseAndWait(page: Page, input: Input, until: 'ready' | 'first-preview'): Promise<string | null> {
  await page.getByTestId('open-file').setInputFiles(input.path);
  const outcome = await page.waitForFunction(
    (goal) => {
      const banner = window.document.querySelector('[data-testid="error-banner"]');
      if (banner) return `error: ${(banner as unknown as { textContent: string }).textContent}`;
      if (goal === 'ready')
        return window.document.querySelector('[data-testid="viewer"]')?.getAttribute('data-state') === 'ready' ? 'reached' : false;
      return performance.getEntriesByName('first-preview', 'measure').length > 0 ? 'reached' : false;
    },
    until,
    { timeout: OPEN_TIMEOUT_MS },
  );
  const status = (await outcome.jsonValue()) as string;
  return status === 'reached' ? null : status;
}

export interface LongTask {
  /** ms since the file was chosen. */
  at: number;
  duration: number;
  phase: 'working' | 'sliding' | 'other';
  /** What was going on: the last studio mark or viewer state before it. */
  during: string;
  attribution: string;
}

export interface SliderPhase {
  events: number;
  /** The median interval between animation frames during the drag, ms. */
  frameMs?: number;
  durations: number[];
  /** Jumps whose preview did not arrive within JUMP_TIMEOUT_MS. */
  timeouts: number;
  /** The drag's queue did not drain within DRAIN_TIMEOUT_MS. */
  undrained?: boolean;
}

export interface RunResult {
  input: Input;
  run: number;
  /** Seconds since the file was chosen. */
  change: number | null;
  firstPreview: number;
  /** The studio's own performance.measure('decode') and ('first-preview'), seconds (null: not recorded). */
  measures: { decode: number | null; firstPreview: number | null };
  /** The same measures when the file is opened again in the same page after the run (null: not opened, or no preview came). */
  again: { decode: number; firstPreview: number } | null;
  /** The compare view (original | rank-k preview) drawn, plus one animation frame. */
  previewDrawn: number | null;
  /** The first picture on the viewer (the original, while the preview is computed), plus one frame. */
  firstPicture: number | null;
  ready: number;
  /** The studio's studio:* performance marks, seconds since the file was chosen. */
  milestones: Map<string, number>;
  drag: SliderPhase;
  jumps: SliderPhase;
  /**
   * The same drag once more as the SVD workers' idle warm-up for the next photo runs (after the
   * analysis worker's end); null: no warm-up started within WARMING_START_TIMEOUT_MS, or it ended
   * before the drag began.
   */
  dragWhileWarming: SliderPhase | null;
  longTasks: LongTask[];
  maxRank: number;
  /** The entry types the page could observe ('longtask', 'long-animation-frame'). */
  observed: string[];
  errors: string[];
  /** Seconds from loading the page to the studio's 'studio:warm' mark; null: none within WARM_TIMEOUT_MS. */
  warm: number | null;
  /**
   * Whole-browser PSS, MB: before opening, peak while opening and decomposing, after "ready";
   * peak from the end of the slider runs until the measurements at the last rank are in
   * (measuringPeakMb), and once the analysis worker has ended as idle, or RELEASE_TIMEOUT_MS
   * after the measurements where it does not end (restMb). null: not measured (not Linux, or the
   * measurements did not come within their timeout).
   */
  memory: {
    beforeMb: number | null;
    peakMb: number | null;
    readyMb: number | null;
    measuringPeakMb: number | null;
    restMb: number | null;
  };
}

/** When the page's first mark `name` after `from` (page time, ms) came, polling every `polling` ms; null: none within `timeout`. */
function markAfter(page: Page, name: string, from: number, timeout: number, polling: number): Promise<number | null> {
  return page
    .waitForFunction(
      ({ name, from }) => performance.getEntriesByName(name, 'mark').find((m) => m.startTime > from)?.startTime ?? false,
      { name, from },
      { timeout, polling },
    )
    .then(async (handle) => (await handle.jsonValue()) as number)
    .catch(() => null);
}

/** How long after the idle warm-up's end (or, with none, the memory at rest: 1 s after the analysis worker's end) the file is opened again. */
const AGAIN_AFTER_MS = 3000;
/** How long the SVD workers' idle warm-up may take to start after the memory at rest is read (the studio starts it 1 s after the analysis worker's end). */
const WARMING_START_TIMEOUT_MS = 5000;
/**
 * How long the warm-up the drag held may take to end: it goes on at the studio's next idle
 * moment (after the measurements at the drag's last rank, 5 s after the analysis worker's last
 * call, then 1 s).
 */
const WARMED_TIMEOUT_MS = 90_000;

/** Opens `input` again in a page that has one open; its decode and first-preview measures (seconds), null where it did not preview. */
async function openAgain(page: Page, input: Input): Promise<{ decode: number; firstPreview: number } | null> {
  const before = await page.evaluate(() => performance.getEntriesByName('first-preview', 'measure').length);
  await page.getByTestId('open-file').setInputFiles(input.path);
  const reached = await page
    .waitForFunction((count) => performance.getEntriesByName('first-preview', 'measure').length > count, before, {
      timeout: OPEN_TIMEOUT_MS,
    })
    .then(() => true)
    .catch(() => false);
  if (!reached) return null;
  return page.evaluate(() => ({
    decode: performance.getEntriesByName('decode', 'measure').at(-1)!.duration / 1000,
    firstPreview: performance.getEntriesByName('first-preview', 'measure').at(-1)!.duration / 1000,
  }));
}

export async function runOnce(browser: Browser, url: string, input: Input, run: number): Promise<RunResult> {
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  const errors: string[] = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') errors.push(`console.${message.type()}: ${message.text()}`);
    });
    await page.addInitScript(instrumentPage);
    await page.goto(url);
    await page.waitForFunction(
      () => window.document.querySelector('[data-testid="viewer"]')?.getAttribute('data-state') === 'empty',
      undefined,
      {
        timeout: 30_000,
      },
    );

    const warm = await untilWarm(page);

    // Open: the clock starts just before setInputFiles.
    const beforeMb = chromiumPssMb();
    const sampler = memorySampler();
    const chosen = await page.evaluate(() => (window.__uiBench.chosen = performance.now()));
    let outcome;
    try {
      await page.getByTestId('open-file').setInputFiles(input.path);
      outcome = await page.waitForFunction(
        () => {
          const banner = window.document.querySelector('[data-testid="error-banner"]');
          if (banner) return `error: ${(banner as unknown as { textContent: string }).textContent}`;
          return window.__uiBench.states.some((s) => s.state === 'ready') ? 'ready' : false;
        },
        undefined,
        { polling: 'raf', timeout: OPEN_TIMEOUT_MS },
      );
    } finally {
      sampler.stop();
    }
    const status = await outcome.jsonValue();
    if (status !== 'ready') throw new Error(`${input.label}: ${status}`);
    const sampled = sampler.stop();
    const opening = { beforeMb, peakMb: sampled.peakMb, readyMb: sampled.lastMb };
    const opened = await page.evaluate(() => window.__uiBench);
    const firstPreviewAt = opened.states.find((s) => s.state === 'preview' || s.state === 'ready')!.t;
    const readyAt = opened.states.find((s) => s.state === 'ready')!.t;
    const maxRank = Number(await page.getByTestId('rank-slider').getAttribute('max'));

    // Slider: a drag (one step per animation frame), then jumps of 64 (one at a time).
    const drag = await page.evaluate(runDrag, { ranks: dragRanks(DRAG_SPAN), quietMs: DRAIN_QUIET_MS, timeoutMs: DRAIN_TIMEOUT_MS });
    const jumps = await page.evaluate(runJumps, { ranks: jumpRanks(JUMPS, maxRank), timeoutMs: JUMP_TIMEOUT_MS });

    // The controls rest at the last rank: the measurements run (until MEASURED_MARK), then the
    // analysis worker ends once idle.
    const measuring = memorySampler();
    const measuredAt = await markAfter(page, MEASURED_MARK, jumps.end, MEASURE_TIMEOUT_MS, 250);
    const whileMeasuring = measuring.stop();
    const measuringPeakMb = measuredAt === null ? null : whileMeasuring.peakMb;
    // An analysis worker Playwright still lists may have ended (helpers/workers.ts): only one that answers counts.
    const analysisGone = async () => {
      const deadline = Date.now() + RELEASE_TIMEOUT_MS;
      while (Date.now() < deadline) {
        if ((await runningWorkers(page, 'analysis', 2000)) === 0) return true;
        await page.waitForTimeout(250);
      }
      return false;
    };
    // A build whose analysis worker stays is measured at rest when the wait for its end gives up.
    const gone = measuredAt !== null && (await analysisGone());
    if (gone) await page.waitForTimeout(1000);
    const memory = { ...opening, measuringPeakMb, restMb: measuredAt === null ? null : chromiumPssMb() };

    const final = await page.evaluate(() => ({
      measures: Object.fromEntries(
        ['decode', 'first-preview'].map((name) => [name, performance.getEntriesByName(name, 'measure').at(-1)?.duration ?? null]),
      ),
      bench: window.__uiBench,
      marks: performance
        .getEntriesByType('mark')
        .filter((entry) => entry.name.startsWith('studio:'))
        .map((entry) => ({ name: entry.name, t: entry.startTime })),
    }));
    const since = (t: number) => (t - chosen) / 1000;
    const milestones = new Map<string, number>();
    for (const mark of final.marks) if (mark.t >= chosen) milestones.set(mark.name, since(mark.t));
    const events = [
      ...final.marks.filter((m) => m.t >= chosen).map((m) => ({ name: m.name, t: m.t })),
      ...final.bench.states.map((s) => ({ name: `state ${s.state}`, t: s.t })),
      { name: 'slider drag', t: drag.start },
      { name: 'slider jumps', t: jumps.start },
    ].sort((a, b) => a.t - b.t);
    const longTasks = final.bench.longTasks
      .filter((task) => task.start + task.duration >= chosen)
      .map((task): LongTask => {
        const phase = task.start < readyAt ? 'working' : task.start >= drag.start && task.start <= jumps.end ? 'sliding' : 'other';
        const before = events.filter((e) => e.t <= task.start).pop();
        return {
          at: task.start - chosen,
          duration: task.duration,
          phase,
          during: before ? `${before.name} +${(task.start - before.t).toFixed(0)} ms` : 'before open',
          attribution: attributionOf(task, final.bench.longFrames),
        };
      });
    // The same file opened again in this page, as a person opens their next photo: its SVD workers
    // are the pool that replaced the first decomposition's (warmed once the studio was idle).
    // Only after the measurements and the analysis worker's end (else null: not measured).
    let again = null;
    let dragWhileWarming: SliderPhase | null = null;
    if (gone) {
      // About a second after the analysis worker's end the studio starts warming the next photo's
      // SVD workers ('studio:idle-warm-up'; their runs take both cores for about half a second):
      // the same drag again, at once. It counts only when the warm-up had not ended before it.
      const after = measuredAt ?? 0;
      if ((await markAfter(page, 'studio:idle-warm-up', after, WARMING_START_TIMEOUT_MS, 5)) !== null) {
        const warming = await page.evaluate(runDrag, { ranks: dragRanks(DRAG_SPAN), quietMs: DRAIN_QUIET_MS, timeoutMs: DRAIN_TIMEOUT_MS });
        const endedBefore = await page.evaluate(
          ({ from, to }) =>
            performance.getEntriesByName('studio:idle-warm-up-done', 'mark').some((m) => m.startTime > from && m.startTime < to),
          { from: after, to: warming.start },
        );
        if (!endedBefore)
          dragWhileWarming = {
            events: warming.events,
            durations: warming.durations,
            timeouts: 0,
            undrained: !warming.drained,
            frameMs: warming.frameMs,
          };
        // Held by the drag, the warm-up goes on at the next idle moment: the file is opened again once it is done.
        await markAfter(page, 'studio:idle-warm-up-done', warming.start, WARMED_TIMEOUT_MS, 5);
      }
      await page.waitForTimeout(AGAIN_AFTER_MS);
      again = await openAgain(page, input);
    }
    return {
      input,
      run,
      warm,
      again,
      change: final.bench.change === null ? null : since(final.bench.change),
      firstPreview: since(firstPreviewAt),
      previewDrawn: final.bench.previewShownFrame === null ? null : since(final.bench.previewShownFrame),
      firstPicture: final.bench.firstDrawFrame === null ? null : since(final.bench.firstDrawFrame),
      ready: since(readyAt),
      measures: {
        decode: final.measures.decode === null ? null : final.measures.decode / 1000,
        firstPreview: final.measures['first-preview'] === null ? null : final.measures['first-preview'] / 1000,
      },
      milestones,
      drag: { events: drag.events, durations: drag.durations, timeouts: 0, undrained: !drag.drained, frameMs: drag.frameMs },
      jumps: { events: jumps.events, durations: jumps.durations, timeouts: jumps.timeouts },
      dragWhileWarming,
      longTasks,
      maxRank,
      observed: final.bench.supported,
      errors,
      memory,
    };
  } finally {
    await context.close();
  }
}
