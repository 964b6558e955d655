import { SvdAbortError } from '../types.js';

/** How long the engine computes before it yields to the event loop (and so can see an abort). */
const YIELD_INTERVAL_MS = 40;

/**
 * Progress and cancellation for one decomposition on the calling thread. Work is counted in
 * abstract units (multiply-adds of the big products); `checkpoint()` throws once the signal is
 * aborted and yields to the event loop every YIELD_INTERVAL_MS, so an abort() from the same
 * thread is seen within one chunk of work.
 */
export class WorkTracker {
  readonly #signal: AbortSignal | undefined;
  readonly #onProgress: ((fraction: number) => void) | undefined;
  #total = 1;
  #done = 0;
  #lastReported = -1;
  #lastYield = Date.now();

  constructor(signal?: AbortSignal, onProgress?: (fraction: number) => void) {
    this.#signal = signal;
    this.#onProgress = onProgress;
  }

  /** Sets the total number of units; fractions reported are done / total, capped at 1. */
  plan(totalUnits: number): void {
    this.#total = Math.max(1, totalUnits);
  }

  advance(units: number): void {
    this.#done += units;
    this.#report(Math.min(1, this.#done / this.#total));
  }

  finish(): void {
    this.#report(1);
  }

  throwIfAborted(): void {
    if (this.#signal?.aborted) throw abortError(this.#signal.reason);
  }

  readonly checkpoint = async (): Promise<void> => {
    this.throwIfAborted();
    const now = Date.now();
    if (now - this.#lastYield < YIELD_INTERVAL_MS) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.#lastYield = Date.now();
    this.throwIfAborted();
  };

  #report(fraction: number): void {
    // Report in steps of 0.1 % at most, never backwards.
    if (this.#onProgress && fraction - this.#lastReported >= 0.001) {
      this.#lastReported = fraction;
      this.#onProgress(fraction);
    } else if (this.#onProgress && fraction === 1 && this.#lastReported < 1) {
      this.#lastReported = 1;
      this.#onProgress(1);
    }
  }
}

export function abortError(reason: unknown): Error {
  if (reason instanceof Error) return reason;
  return new SvdAbortError(typeof reason === 'string' ? reason : undefined);
}
