/**
 * The rank slider's workload: the ranks of the drag and of the jumps, and the two drivers that
 * run in the page (page.evaluate) and read the studio's performance.measure('rank-preview')
 * entries.
 */
import type { PageWindow } from './instrument.js';
import { JUMP, START_RANK } from './settings.js';

/** The page's window: runDrag and runJumps run in the page, not in Node. */
declare const window: PageWindow;

/** One step at a time from START_RANK up by `span` and back down to START_RANK. */
export const dragRanks = (span: number) => {
  const ranks: number[] = [];
  for (let k = START_RANK + 1; k <= START_RANK + span; k++) ranks.push(k);
  for (let k = START_RANK + span - 1; k >= START_RANK; k--) ranks.push(k);
  return ranks;
};

/** 32→96→160→224→160→96→32→96…: `count` jumps of 64, bouncing between 32 and 224 (lower if maxRank is lower). */
export function jumpRanks(count: number, maxRank: number): number[] {
  const top = START_RANK + Math.max(1, Math.min(3, Math.floor((maxRank - START_RANK) / JUMP))) * JUMP;
  const ranks: number[] = [];
  let k = START_RANK;
  let direction = 1;
  while (ranks.length < count) {
    if (k + direction * JUMP > top || k + direction * JUMP < START_RANK) direction = -direction;
    k += direction * JUMP;
    ranks.push(k);
  }
  return ranks;
}

/** In the page: one input event per animation frame over `ranks`, then waits for the previews to drain. */
export async function runDrag({ ranks, quietMs, timeoutMs }: { ranks: number[]; quietMs: number; timeoutMs: number }) {
  const slider = window.document.querySelector('[data-testid="rank-slider"]')!;
  const frame = () => new Promise<number>((resolve) => window.requestAnimationFrame(resolve));
  await frame();
  performance.clearMeasures('rank-preview');
  const start = performance.now();
  let lastEvent = start;
  const frameTimes: number[] = [];
  for (const k of ranks) {
    frameTimes.push(await frame());
    slider.value = String(k);
    slider.dispatchEvent(new window.Event('input', { bubbles: true }));
    lastEvent = performance.now();
  }
  const end = performance.now();
  // Drained: a preview ended after the last event and none arrived for quietMs.
  let drained = false;
  while (performance.now() - end < timeoutMs) {
    await frame();
    const entries = performance.getEntriesByName('rank-preview', 'measure');
    const lastEnd = Math.max(0, ...entries.map((e) => e.startTime + e.duration));
    if (lastEnd > lastEvent && performance.now() - lastEnd >= quietMs) {
      drained = true;
      break;
    }
  }
  const durations = performance.getEntriesByName('rank-preview', 'measure').map((e) => e.duration);
  const intervals = frameTimes
    .slice(1)
    .map((t, i) => t - frameTimes[i])
    .sort((a, b) => a - b);
  const frameMs = intervals.length ? intervals[intervals.length >> 1] : NaN;
  return { start, end: performance.now(), events: ranks.length, durations, drained, frameMs };
}

/** In the page: each jump waits for its rank-preview measure (or timeoutMs) before the next. */
export async function runJumps({ ranks, timeoutMs }: { ranks: number[]; timeoutMs: number }) {
  const slider = window.document.querySelector('[data-testid="rank-slider"]')!;
  const frame = () => new Promise<number>((resolve) => window.requestAnimationFrame(resolve));
  await frame();
  performance.clearMeasures('rank-preview');
  const start = performance.now();
  let timeouts = 0;
  for (const k of ranks) {
    const before = performance.getEntriesByName('rank-preview', 'measure').length;
    slider.value = String(k);
    slider.dispatchEvent(new window.Event('input', { bubbles: true }));
    const sent = performance.now();
    for (;;) {
      await frame();
      if (performance.getEntriesByName('rank-preview', 'measure').length > before) break;
      if (performance.now() - sent > timeoutMs) {
        timeouts++;
        break;
      }
    }
  }
  const durations = performance.getEntriesByName('rank-preview', 'measure').map((e) => e.duration);
  return { start, end: performance.now(), events: ranks.length, durations, timeouts };
}
