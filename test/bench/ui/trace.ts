/**
 * One traced opening per input, apart from the timed runs (tracing slows the page): Chromium's
 * trace of the page's main thread from choosing the file to "ready", and in it the long tasks
 * (over 50 ms), each with its wall time, the main thread's CPU time inside it (the trace's thread
 * time) and the wall time of its direct parts by kind (complete events only). A task whose CPU
 * time is far below its wall time spent the rest not running: waiting for a core (the page's
 * SVD, preview and codec workers had them) or blocked (a page fault, a lock).
 */
import type { Browser } from '@playwright/test';
import type { Input } from './inputs.js';
import { chooseAndWait, untilWarm } from './runs.js';
import { VIEWPORT } from './settings.js';

const LONG_TASK_MS = 50;
const CATEGORIES = ['toplevel', 'devtools.timeline', 'v8.execute', 'blink.user_timing', 'disabled-by-default-v8.gc'];

export interface TracedTask {
  /** Seconds from the studio's 'studio:open' mark (negative: the task that recorded it). */
  at: number;
  wallMs: number;
  /** The main thread's CPU time inside the task; null where the trace has no thread times. */
  cpuMs: number | null;
  /** Wall ms of the task's direct parts, by kind (script, style and layout, paint and commit, GC, other), largest first. */
  parts: [string, number][];
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

const KINDS: [string, RegExp][] = [
  [
    'script',
    /^(FunctionCall|v8\.callFunction|v8\.run|RunMicrotasks|HandlePostMessage|FireAnimationFrame|TimerFire|EventDispatch|EvaluateScript|V8\.Execute)/,
  ],
  ['style and layout', /^(UpdateLayoutTree|Layout|RecalculateStyles|ScheduleStyleRecalculation)/],
  ['paint and commit', /^(Paint|PrePaint|Layerize|Commit|UpdateLayer|PaintImage|CompositeLayers)/],
  ['GC', /GC/],
];

const kindOf = (name: string) => KINDS.find(([, pattern]) => pattern.test(name))?.[0] ?? 'other';

/** A traced opening: its long tasks, or why the trace could not tell (the opening failed, or the trace lacks the page's main thread). */
export type TraceResult = { tasks: TracedTask[] } | { failed: string };

/** Opens `input` once in a fresh context with the trace on; the main thread's long tasks until "ready". */
export async function traceOpening(browser: Browser, url: string, input: Input): Promise<TraceResult> {
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await untilWarm(page);
    await browser.startTracing(page, { categories: CATEGORIES });
    let trace: Buffer;
    let failed: string | null;
    try {
      failed = await chooseAndWait(page, input, 'ready');
    } finally {
      trace = await browser.stopTracing();
    }
    if (failed !== null) return { failed };
    return longTasks(JSON.parse(trace.toString()) as { traceEvents?: TraceEvent[] } | TraceEvent[]);
  } catch (error) {
    return { failed: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  } finally {
    await context.close();
  }
}

function longTasks(trace: { traceEvents?: TraceEvent[] } | TraceEvent[]): TraceResult {
  const events = Array.isArray(trace) ? trace : (trace.traceEvents ?? []);
  // The page's main thread: the thread that recorded the studio's open mark.
  const open = events.find((e) => e.name === 'studio:open');
  if (!open) return { failed: "the trace has no 'studio:open' mark" };
  const mine = events.filter((e) => e.pid === open.pid && e.tid === open.tid && e.ph === 'X' && e.dur !== undefined);
  // Tasks that end after the mark (the one that records it included), outermost only.
  const candidates = mine
    .filter((e) => (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && e.ts + e.dur! > open.ts)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const outermost: TraceEvent[] = [];
  for (const task of candidates) {
    const last = outermost[outermost.length - 1];
    if (!last || task.ts >= last.ts + last.dur!) outermost.push(task);
  }
  const tasks = outermost.filter((task) => task.dur! > LONG_TASK_MS * 1000);
  return {
    tasks: tasks.map((task) => {
      const end = task.ts + task.dur!;
      // Direct parts: events inside the task that no other event inside it encloses.
      const inside = mine
        .filter((e) => e !== task && e.ts >= task.ts && e.ts + e.dur! <= end)
        .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
      const parts = new Map<string, number>();
      let coveredUntil = -Infinity;
      for (const e of inside) {
        if (e.ts < coveredUntil) continue;
        coveredUntil = e.ts + e.dur!;
        const kind = kindOf(e.name);
        parts.set(kind, (parts.get(kind) ?? 0) + e.dur! / 1000);
      }
      return {
        at: (task.ts - open.ts) / 1e6,
        wallMs: task.dur! / 1000,
        cpuMs: task.tdur === undefined ? null : task.tdur / 1000,
        parts: [...parts.entries()].filter(([, ms]) => ms >= 0.5).sort((a, b) => b[1] - a[1]),
      };
    }),
  };
}
