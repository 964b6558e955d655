/**
 * The viewer's render queue: at most one preview request in flight at the preview worker and at
 * most one waiting; a newer request replaces the waiting one (latest wins), and the input events
 * that led to a replaced request carry over to its replacement, so the slider-latency measure
 * starts at the first of them. A result for an image that is no longer open is released, not
 * shown; an error is reported only when it concerns the open image.
 */

/** What the scheduler needs to know of a request and of a result: which image it is for. */
export interface ForImage {
  imageId: number;
}

export interface PreviewJob<Request extends ForImage, Placement> {
  request: Request;
  /** Where the result is to be drawn (the view geometry the request was made for). */
  placement: Placement;
  /** Timestamps of the input events this job answers (empty when nothing asked for a measure). */
  eventTimes: number[];
}

export interface PreviewSchedulerOptions<Request extends ForImage, Result extends ForImage, Placement> {
  /** Renders a request (the preview worker). */
  render(request: Request): Promise<Result>;
  /** The image on screen now, or undefined when none is. */
  currentImageId(): number | undefined;
  /** A result for the open image: show it. */
  show(result: Result, job: PreviewJob<Request, Placement>): void;
  /** A result for an image that has since been replaced: release it. */
  discard(result: Result): void;
  /** Rendering the open image failed. */
  fail(error: unknown, job: PreviewJob<Request, Placement>): void;
}

/** The preview worker's answer for a request whose image it no longer holds: nothing to show, no error. */
const NO_SUCH_IMAGE = /no such image/;

export class PreviewScheduler<Request extends ForImage, Result extends ForImage, Placement> {
  readonly #options: PreviewSchedulerOptions<Request, Result, Placement>;
  #inFlight = false;
  #waiting: PreviewJob<Request, Placement> | null = null;

  constructor(options: PreviewSchedulerOptions<Request, Result, Placement>) {
    this.#options = options;
  }

  /** Whether a request is at the worker now. */
  get busy(): boolean {
    return this.#inFlight;
  }

  /** Queues a request in place of any waiting one, and starts it when the worker is free. */
  submit(request: Request, placement: Placement, eventTimes: readonly number[] = []): void {
    const carried = this.#waiting ? this.#waiting.eventTimes : [];
    this.#waiting = { request, placement, eventTimes: [...carried, ...eventTimes] };
    void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#inFlight || !this.#waiting) return;
    const job = this.#waiting;
    this.#waiting = null;
    this.#inFlight = true;
    const options = this.#options;
    try {
      const result = await options.render(job.request);
      if (result.imageId === options.currentImageId()) options.show(result, job);
      else options.discard(result);
    } catch (error) {
      // A request for an image that was just replaced: nothing to show. Anything else is news.
      const message = error instanceof Error ? error.message : String(error);
      if (job.request.imageId === options.currentImageId() && !NO_SUCH_IMAGE.test(message)) options.fail(error, job);
    } finally {
      this.#inFlight = false;
      if (this.#waiting) void this.#pump();
    }
  }
}
