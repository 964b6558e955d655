/**
 * What the benchmark injects into the page and reads back from it: instrumentPage (an init
 * script: viewer states, the first picture, the compare handle, long tasks and long animation
 * frames, recorded on window.__uiBench) and the types of those records and of the browser globals
 * the page-side code uses (test/ compiles without the DOM library).
 */

export interface LongTaskRecord {
  start: number;
  duration: number;
  attribution: string[];
}
interface FrameScript {
  start: number;
  duration: number;
  invoker: string;
  invokerType: string;
  sourceURL: string;
  sourceFunctionName: string;
  sourceCharPosition: number;
  forcedStyleAndLayoutDuration: number;
}
export interface LongFrameRecord {
  start: number;
  duration: number;
  blockingDuration: number;
  scripts: FrameScript[];
}
export interface BenchState {
  /** performance.now() just before the file was chosen (setInputFiles). */
  chosen: number | null;
  /** The file input's change event. */
  change: number | null;
  states: { state: string; t: number }[];
  /** The first drawImage on the viewer canvas (the studio shows the original while the first preview is computed). */
  firstDraw: number | null;
  firstDrawFrame: number | null;
  /** The compare handle appeared: the viewer shows a rank-k preview beside the original (compare mode). */
  previewShown: number | null;
  previewShownFrame: number | null;
  longTasks: LongTaskRecord[];
  longFrames: LongFrameRecord[];
  supported: string[];
}
interface PageEntry {
  name: string;
  entryType: string;
  startTime: number;
  duration: number;
  attribution?: { name: string; containerType: string }[];
  blockingDuration?: number;
  scripts?: {
    startTime: number;
    duration: number;
    invoker: string;
    invokerType: string;
    sourceURL: string;
    sourceFunctionName: string;
    sourceCharPosition: number;
    forcedStyleAndLayoutDuration: number;
  }[];
}
interface PageElement {
  value: string;
  getAttribute(name: string): string | null;
  dispatchEvent(event: unknown): boolean;
}
interface PageCanvasContext {
  readonly canvas: PageElement;
  drawImage(...args: unknown[]): void;
}
/** The browser globals the benchmark's page-side code (instrumentPage, the slider drivers, waits) uses. */
export interface PageWindow {
  __uiBench: BenchState;
  document: {
    querySelector(selector: string): PageElement | null;
    addEventListener(type: string, listener: () => void, capture: boolean): void;
  };
  requestAnimationFrame(callback: (time: number) => void): number;
  MutationObserver: new (callback: (records: { target: PageElement }[]) => void) => {
    observe(target: unknown, options: { subtree: boolean; attributes?: boolean; attributeFilter?: string[]; childList?: boolean }): void;
    disconnect(): void;
  };
  PerformanceObserver: {
    new (callback: (list: { getEntries(): PageEntry[] }) => void): { observe(options: { type: string; buffered?: boolean }): void };
    readonly supportedEntryTypes: readonly string[];
  };
  Event: new (type: string, init?: { bubbles?: boolean }) => unknown;
  CanvasRenderingContext2D: { prototype: PageCanvasContext };
}
/** The page's window: instrumentPage runs in the page, not in Node. */
declare const window: PageWindow;

/** Runs in the page before its own scripts (addInitScript); must not use anything from this module's scope. */
export function instrumentPage(): void {
  const bench: BenchState = {
    chosen: null,
    change: null,
    states: [],
    firstDraw: null,
    firstDrawFrame: null,
    previewShown: null,
    previewShownFrame: null,
    longTasks: [],
    longFrames: [],
    supported: [],
  };
  window.__uiBench = bench;
  const Observer = window.PerformanceObserver;
  bench.supported = Observer.supportedEntryTypes.filter((type) => type === 'longtask' || type === 'long-animation-frame');
  if (bench.supported.includes('longtask')) {
    new Observer((list) => {
      for (const entry of list.getEntries()) {
        bench.longTasks.push({
          start: entry.startTime,
          duration: entry.duration,
          attribution: (entry.attribution ?? []).map((a) => `${a.name}${a.containerType ? `/${a.containerType}` : ''}`),
        });
      }
    }).observe({ type: 'longtask', buffered: true });
  }
  if (bench.supported.includes('long-animation-frame')) {
    new Observer((list) => {
      for (const entry of list.getEntries()) {
        bench.longFrames.push({
          start: entry.startTime,
          duration: entry.duration,
          blockingDuration: entry.blockingDuration ?? 0,
          scripts: (entry.scripts ?? []).map((s) => ({
            start: s.startTime,
            duration: s.duration,
            invoker: s.invoker,
            invokerType: s.invokerType,
            sourceURL: s.sourceURL,
            sourceFunctionName: s.sourceFunctionName,
            sourceCharPosition: s.sourceCharPosition,
            forcedStyleAndLayoutDuration: s.forcedStyleAndLayoutDuration,
          })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  }
  new window.MutationObserver((records) => {
    const t = performance.now();
    for (const record of records) {
      if (record.target.getAttribute('data-testid') !== 'viewer') continue;
      const state = record.target.getAttribute('data-state') ?? '';
      if (bench.states[bench.states.length - 1]?.state !== state) bench.states.push({ state, t });
    }
  }).observe(window.document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  // The viewer draws the preview, then (same task) Svelte inserts the compare handle beside it.
  const handleObserver = new window.MutationObserver(() => {
    if (bench.chosen === null || !window.document.querySelector('[data-testid="compare-handle"]')) return;
    bench.previewShown = performance.now();
    window.requestAnimationFrame(() => {
      bench.previewShownFrame = performance.now();
    });
    handleObserver.disconnect();
  });
  handleObserver.observe(window.document, { subtree: true, childList: true });
  const proto = window.CanvasRenderingContext2D.prototype;
  const drawImage = proto.drawImage;
  proto.drawImage = function (this: PageCanvasContext, ...args: unknown[]): void {
    if (bench.chosen !== null && bench.firstDraw === null && this.canvas.getAttribute('data-testid') === 'viewer') {
      bench.firstDraw = performance.now();
      window.requestAnimationFrame(() => {
        bench.firstDrawFrame = performance.now();
      });
    }
    drawImage.apply(this, args);
  };
  window.document.addEventListener(
    'change',
    () => {
      if (bench.chosen !== null && bench.change === null) bench.change = performance.now();
    },
    true,
  );
}
