/**
 * The SVD pool's warm-up count (renderer/src/workers/engine/warm-up.ts): runs to its target one
 * at a time, a stop ends it for good, a hold ends it after the run in flight until the next call.
 */
import { describe, expect, it } from 'vitest';
import { WarmUp } from '../../renderer/src/workers/engine/warm-up.js';

/** A run that records itself and finishes when the test says (finish()), for holds made while it is in flight. */
function controlledRuns() {
  const started: number[] = [];
  let finish: (() => void) | null = null;
  const run = () =>
    new Promise<void>((resolve) => {
      started.push(started.length);
      finish = resolve;
    });
  const finishCurrent = async () => {
    const current = finish;
    finish = null;
    current?.();
    // Let run() go on to its next run (or end).
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { started, run, finishCurrent };
}

describe('WarmUp', () => {
  it('runs to its target one run at a time and is then done; a later call runs nothing', async () => {
    const warmUp = new WarmUp(4);
    let inFlight = 0;
    let most = 0;
    const run = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
    };
    await warmUp.run(run, () => false);
    expect(warmUp.runs).toBe(4);
    expect(warmUp.complete).toBe(true);
    expect(warmUp.done).toBe(true);
    expect(warmUp.running).toBe(false);
    expect(most).toBe(1);
    let more = 0;
    await warmUp.run(
      async () => void more++,
      () => false,
    );
    expect(more).toBe(0);
  });

  it('a hold ends the runs after the one in flight; the next call goes on to the target', async () => {
    const warmUp = new WarmUp(5);
    const { started, run, finishCurrent } = controlledRuns();
    const first = warmUp.run(run, () => false);
    await finishCurrent();
    expect(started.length).toBe(2);
    warmUp.hold();
    expect(warmUp.running).toBe(true);
    await finishCurrent();
    await first;
    expect(started.length).toBe(2);
    expect(warmUp.runs).toBe(2);
    expect(warmUp.complete).toBe(false);
    expect(warmUp.done).toBe(false);
    expect(warmUp.running).toBe(false);
    const second = warmUp.run(run, () => false);
    for (let i = 0; i < 3; i++) await finishCurrent();
    await second;
    expect(started.length).toBe(5);
    expect(warmUp.done).toBe(true);
  });

  it('a hold made while nothing runs does not stop the next call', async () => {
    const warmUp = new WarmUp(3);
    warmUp.hold();
    let runs = 0;
    await warmUp.run(
      async () => void runs++,
      () => false,
    );
    expect(runs).toBe(3);
  });

  it('a stop ends the runs for good, never before the first run of a call', async () => {
    const warmUp = new WarmUp(6);
    let runs = 0;
    await warmUp.run(
      async () => void runs++,
      () => true,
    );
    expect(runs).toBe(1);
    expect(warmUp.done).toBe(true);
    await warmUp.run(
      async () => void runs++,
      () => false,
    );
    expect(runs).toBe(1);
  });

  it('a run that fails ends the call with its error and counts nothing', async () => {
    const warmUp = new WarmUp(3);
    await expect(
      warmUp.run(
        () => Promise.reject(new Error('pool closed')),
        () => false,
      ),
    ).rejects.toThrow('pool closed');
    expect(warmUp.runs).toBe(0);
    expect(warmUp.running).toBe(false);
  });
});
