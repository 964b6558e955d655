/** The viewer's render queue (renderer/src/state/preview-scheduler.ts), with a fake preview worker. */
import { describe, expect, it } from 'vitest';
import { PreviewScheduler, type PreviewJob } from '../../renderer/src/state/preview-scheduler.js';

interface Request {
  imageId: number;
  rank: number;
}
interface Result {
  imageId: number;
  rank: number;
}

/** A preview worker whose renders finish when the test says so. */
function fakeWorker() {
  const pending: { request: Request; resolve(result: Result): void; reject(error: Error): void }[] = [];
  return {
    pending,
    render: (request: Request) => new Promise<Result>((resolve, reject) => pending.push({ request, resolve, reject })),
    finish(index = 0) {
      const [job] = pending.splice(index, 1);
      job.resolve({ imageId: job.request.imageId, rank: job.request.rank });
    },
    fail(message: string) {
      pending.shift()!.reject(new Error(message));
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(imageId = { current: 1 as number | undefined }) {
  const worker = fakeWorker();
  const shown: { result: Result; job: PreviewJob<Request, string> }[] = [];
  const discarded: Result[] = [];
  const failures: string[] = [];
  const scheduler = new PreviewScheduler<Request, Result, string>({
    render: worker.render,
    currentImageId: () => imageId.current,
    show: (result, job) => shown.push({ result, job }),
    discard: (result) => discarded.push(result),
    fail: (error) => failures.push((error as Error).message),
  });
  return { worker, shown, discarded, failures, scheduler, imageId };
}

describe('PreviewScheduler', () => {
  it('keeps one request at the worker and only the newest waiting; the event times carry over', async () => {
    const { worker, shown, scheduler } = setup();
    scheduler.submit({ imageId: 1, rank: 10 }, 'a', [100]);
    scheduler.submit({ imageId: 1, rank: 11 }, 'b', [110]);
    scheduler.submit({ imageId: 1, rank: 12 }, 'c', [120]);
    expect(worker.pending.map((job) => job.request.rank)).toEqual([10]);
    expect(scheduler.busy).toBe(true);
    worker.finish();
    await settle();
    // Rank 11 was replaced while it waited: the worker gets 12, answering both input events.
    expect(worker.pending.map((job) => job.request.rank)).toEqual([12]);
    worker.finish();
    await settle();
    expect(shown.map(({ result }) => result.rank)).toEqual([10, 12]);
    expect(shown.map(({ job }) => job.eventTimes)).toEqual([[100], [110, 120]]);
    expect(shown.map(({ job }) => job.placement)).toEqual(['a', 'c']);
    expect(scheduler.busy).toBe(false);
  });

  it('a result for an image that was replaced meanwhile is discarded, not shown', async () => {
    const { worker, shown, discarded, scheduler, imageId } = setup();
    scheduler.submit({ imageId: 1, rank: 5 }, 'a');
    imageId.current = 2;
    scheduler.submit({ imageId: 2, rank: 5 }, 'b');
    worker.finish();
    await settle();
    worker.finish();
    await settle();
    expect(discarded.map((result) => result.imageId)).toEqual([1]);
    expect(shown.map(({ result }) => result.imageId)).toEqual([2]);
  });

  it('reports errors for the open image only, and goes on with the next request', async () => {
    const { worker, shown, failures, scheduler, imageId } = setup();
    scheduler.submit({ imageId: 1, rank: 5 }, 'a');
    scheduler.submit({ imageId: 1, rank: 6 }, 'b');
    worker.fail('out of memory');
    await settle();
    expect(failures).toEqual(['out of memory']);
    worker.finish();
    await settle();
    expect(shown.map(({ result }) => result.rank)).toEqual([6]);

    // The worker no longer holds the image (it was replaced), or the image on screen changed: silence.
    scheduler.submit({ imageId: 1, rank: 7 }, 'c');
    worker.fail('preview worker: no such image 1');
    await settle();
    scheduler.submit({ imageId: 1, rank: 8 }, 'd');
    imageId.current = undefined;
    worker.fail('anything');
    await settle();
    expect(failures).toEqual(['out of memory']);
  });
});
