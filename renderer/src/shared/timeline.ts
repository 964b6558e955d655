/**
 * Moments that cross threads (workers, the desktop's main process) travel as milliseconds since
 * the Unix epoch at high resolution (performance.timeOrigin + performance.now(), which every
 * thread and Node have); the page puts them back on its own performance timeline, where the
 * studio's measures ('decode', 'first-preview') are recorded.
 */

/** Now, as milliseconds since the Unix epoch (high resolution): comparable across threads. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** An epochNow() value from any thread, on this thread's performance timeline. */
export function onThisTimeline(epochMs: number): number {
  return epochMs - performance.timeOrigin;
}
