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

/**
 * The 'decode' measure's span on this page's timeline. `calledAt`: when the page asked for the
 * file; `arrived`: when its pixels arrived; `chosenAt`: the choosing event's moment, where the page
 * saw it. `hostChosenAt`/`hostDecodedAt`: when the host began opening the file and when it had
 * decoded it, from the host's clock (onThisTimeline of the desktop main process's or a worker's
 * epochNow()). That clock can be off from this page's, by a fraction of a millisecond or, in a
 * process that has run for long while the system clock was slewed, by more than a decoding takes.
 * So the host's span keeps its own length (both ends are from one clock) and, where it falls
 * outside what the page saw (it began after the page asked, ended before the pixels arrived),
 * moves, whole, to end when the pixels arrived: decoding ends just before the pixels are sent,
 * while it may begin long after the page asked (a dialog open meanwhile).
 */
export function decodeSpan(moments: {
  calledAt: number;
  arrived: number;
  chosenAt?: number;
  hostChosenAt?: number;
  hostDecodedAt?: number;
}): { start: number; end: number } {
  const { calledAt, arrived } = moments;
  const decodedAt = moments.hostDecodedAt ?? arrived;
  const length = Math.max(0, decodedAt - (moments.hostChosenAt ?? decodedAt));
  // Where the host's span sits (a span longer than the window fills it).
  const fits = decodedAt - length >= calledAt && decodedAt <= arrived;
  const hostEnd = fits ? decodedAt : arrived;
  const hostStart = Math.max(calledAt, hostEnd - length);
  const start = moments.chosenAt ?? (moments.hostChosenAt === undefined ? calledAt : hostStart);
  return { start, end: Math.max(start, hostEnd) };
}
