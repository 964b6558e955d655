/**
 * When the studio is idle, for the SVD workers' idle warm-up (Studio): work the person waits for
 * (a measurement, a Learn view's task, an export) is counted from begin() to its end; when the
 * last one ends, `onIdle` comes `delay` ms later, unless work begins or hold() is called first,
 * `key()` has changed (another photo) or `busy()` says something else still runs, in which case
 * it looks again as long later, for the same key. Each begin() and hold() also calls `onHold`
 * (a warm-up running then gives way). Plain TypeScript, so a test can drive it with fake timers.
 */
export class IdleWork {
  readonly #delay: number;
  readonly #key: () => unknown;
  readonly #busy: () => boolean;
  readonly #onIdle: () => void;
  readonly #onHold: () => void;
  /** Work begun and not yet ended. */
  #working = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: { delay: number; key: () => unknown; busy: () => boolean; onIdle: () => void; onHold: () => void }) {
    this.#delay = options.delay;
    this.#key = options.key;
    this.#busy = options.busy;
    this.#onIdle = options.onIdle;
    this.#onHold = options.onHold;
  }

  /** Work starts: holds (hold()) until no work runs. Returns the work's end (once; later calls do nothing). */
  begin(): () => void {
    this.#working++;
    this.hold();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.#working === 0) this.#wait(this.#key());
    };
  }

  /** The person changed a control (or work began): no idle moment is waited for until work ends again; onHold. */
  hold(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#onHold();
  }

  #wait(key: unknown): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (key === null || key === undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#key() !== key) return;
      if (this.#busy()) this.#wait(key);
      else this.#onIdle();
    }, this.#delay);
  }
}
