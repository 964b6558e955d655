/** One run's derived statistics: slider latency percentiles, the share on screen by the next frame, the longest long task. */
import { percentile } from '../lib/measure.js';
import type { LongTask, RunResult, SliderPhase } from './runs.js';

export interface PhaseStats {
  p50: number;
  p95: number;
  max: number;
  /** Share of previews on screen by the next animation frame (duration ≤ 1.5 frame intervals). */
  nextFrame: number;
}
const statsOf = (phase: SliderPhase, frameMs: number): PhaseStats => ({
  p50: percentile(phase.durations, 50),
  p95: percentile(phase.durations, 95),
  max: percentile(phase.durations, 100),
  nextFrame: phase.durations.length ? phase.durations.filter((d) => d <= 1.5 * frameMs).length / phase.durations.length : NaN,
});
/** The median animation-frame interval during the drag, ms (60 Hz when unknown). */
export const frameOf = (r: RunResult): number => r.drag.frameMs ?? 1000 / 60;
export const dragStats = (r: RunResult) => statsOf(r.drag, frameOf(r));
export const jumpStats = (r: RunResult) => statsOf(r.jumps, frameOf(r));
/** The drag as the idle warm-up runs (null: none). */
export const warmingDragStats = (r: RunResult) => (r.dragWhileWarming ? statsOf(r.dragWhileWarming, frameOf(r)) : null);
export const longest = (tasks: readonly LongTask[]): number => (tasks.length ? Math.max(...tasks.map((t) => t.duration)) : 0);
