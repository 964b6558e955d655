/**
 * The count of an SVD pool's warm-up runs (engine.worker.ts's warmPool): runs until the pool has
 * had `target`, a stop that ends them for good, and a hold that ends them after the run in
 * flight, to go on from there later.
 */
export class WarmUp {
  readonly target: number;
  #runs = 0;
  #running = false;
  #held = false;
  #stopped = false;

  constructor(target: number) {
    this.target = target;
  }

  /** The runs done. */
  get runs(): number {
    return this.#runs;
  }

  /** Whether run() is running. */
  get running(): boolean {
    return this.#running;
  }

  /** Whether the pool has had all its runs. */
  get complete(): boolean {
    return this.#runs >= this.target;
  }

  /** Whether there is nothing left to run: all the runs done, or a stop. */
  get done(): boolean {
    return this.complete || this.#stopped;
  }

  /**
   * Calls `run` until the runs reach the target, one at a time. Before each run after its first,
   * `stop()` may end them for good (the pool is taken: it needs no more), and a hold() made since
   * this call ends them (they go on at the next call).
   */
  async run(run: () => Promise<unknown>, stop: () => boolean): Promise<void> {
    const first = this.#runs;
    this.#running = true;
    this.#held = false;
    try {
      while (!this.done && !this.#held) {
        if (this.#runs > first && stop()) {
          this.#stopped = true;
          break;
        }
        await run();
        this.#runs++;
      }
    } finally {
      this.#running = false;
    }
  }

  /** The runs in progress start no further run after the one in flight (the next run() goes on). */
  hold(): void {
    this.#held = true;
  }
}
