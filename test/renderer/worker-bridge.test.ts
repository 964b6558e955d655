/**
 * WorkerBridge: a worker ended when idle (release(), or idleMs after its last call), never while
 * a call is in flight, and a fresh one for the next call; a call sent to a running worker at
 * once, calls in the order they were made; the signal that each worker's stop aborts. The
 * "worker" is a comlink endpoint on a MessageChannel (Node has no Web Workers); timers are faked,
 * messages are real.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkerBridge } from '../../renderer/src/bridge/worker-bridge.js';
import { FakeWorker } from '../helpers/fake-worker.js';

interface Api {
  add(a: number, b: number): number;
  /** Resolves when the test calls `finish`. */
  slow(): Promise<string>;
}

// The tests compile without the DOM, where Worker is an empty interface (vite's types declare
// one): the part the bridge calls.
declare global {
  interface Worker {
    postMessage(message: unknown, transfer?: unknown[]): void;
    addEventListener(type: string, listener: (event: { message?: string; preventDefault(): void }) => void): void;
    removeEventListener(type: string, listener: (event: never) => void): void;
    terminate(): void;
  }
}

const IDLE_MS = 1000;
/** Every bridge a test made, ended after it (an open port would keep the test process alive). */
const bridges: WorkerBridge<Api>[] = [];

function setup() {
  const workers: FakeWorker[] = [];
  let finish: (value: string) => void = () => {};
  let begun: () => void = () => {};
  /** Resolves when the worker has begun the slow call. */
  const slowBegun = new Promise<void>((resolve) => (begun = resolve));
  const api: Api = {
    add: (a, b) => a + b,
    slow: () =>
      new Promise((resolve) => {
        finish = resolve;
        begun();
      }),
  };
  const stops = { count: 0 };
  /** 'start' for each onStart, 'stop' for each onStop, in order. */
  const log: string[] = [];
  const bridge = new WorkerBridge<Api>(
    () => {
      const worker = new FakeWorker(api);
      workers.push(worker);
      return worker as unknown as Worker;
    },
    {
      idleMs: IDLE_MS,
      onStart: async () => void log.push('start'),
      onStop: () => {
        stops.count++;
        log.push('stop');
      },
      name: 'test',
    },
  );
  bridges.push(bridge);
  return { bridge, workers, stops, log, slowBegun, finish: (value: string) => finish(value) };
}

describe('WorkerBridge', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    for (const bridge of bridges.splice(0)) bridge.terminate();
    vi.useRealTimers();
  });

  it('ends the worker idleMs after its last call, and starts a fresh one for the next', async () => {
    const { bridge, workers, stops } = setup();
    expect(await bridge.call((api) => api.add(2, 3))).toBe(5);
    vi.advanceTimersByTime(IDLE_MS - 1);
    expect(workers[0].terminated).toBe(false);
    vi.advanceTimersByTime(1);
    expect(workers[0].terminated).toBe(true);
    expect(stops.count).toBe(1);
    expect(bridge.running).toBeNull();

    expect(await bridge.call((api) => api.add(4, 5))).toBe(9);
    expect(workers).toHaveLength(2);
    expect(workers[1].terminated).toBe(false);
  });

  it('counts the idle time from the last call', async () => {
    const { bridge, workers } = setup();
    await bridge.call((api) => api.add(1, 1));
    vi.advanceTimersByTime(IDLE_MS - 1);
    await bridge.call((api) => api.add(1, 2));
    vi.advanceTimersByTime(IDLE_MS - 1);
    expect(workers[0].terminated).toBe(false);
    vi.advanceTimersByTime(1);
    expect(workers[0].terminated).toBe(true);
    expect(workers).toHaveLength(1);
  });

  it('does not end a worker with a call in flight, by release() or when idle', async () => {
    const { bridge, workers, stops, slowBegun, finish } = setup();
    await bridge.call((api) => api.add(1, 1));
    const slow = bridge.call((api) => api.slow());
    await slowBegun;
    // The first call's idle timer was disarmed when the slow one started.
    expect(vi.getTimerCount()).toBe(0);
    expect(bridge.release()).toBe(false);
    vi.advanceTimersByTime(10 * IDLE_MS);
    expect(workers[0].terminated).toBe(false);
    finish('done');
    expect(await slow).toBe('done');
    expect(vi.getTimerCount()).toBe(1);
    expect(bridge.release()).toBe(true);
    expect(workers[0].terminated).toBe(true);
    expect(stops.count).toBe(1);
    // Releasing disarmed the idle timer armed by the slow call's end.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps a worker that was started but never called (a warm-up)', async () => {
    const { bridge, workers } = setup();
    await bridge.remote();
    vi.advanceTimersByTime(10 * IDLE_MS);
    expect(workers[0].terminated).toBe(false);
    expect(bridge.release()).toBe(true);
    expect(workers[0].terminated).toBe(true);
    expect(bridge.release()).toBe(false);
  });

  it("reports an aborted worker's end before its replacement's onStart", async () => {
    const { bridge, workers, log, slowBegun } = setup();
    const controller = new AbortController();
    const aborted = bridge.call((api) => api.slow(), controller.signal);
    await slowBegun;
    // A second call in flight: it runs again on a fresh worker.
    const other = bridge.call((api) => api.add(20, 22));
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    expect(await other).toBe(42);
    expect(workers).toHaveLength(2);
    expect(log).toEqual(['start', 'stop', 'start']);
  });

  it('reports a worker ended by an abort to onStop', async () => {
    const { bridge, workers, stops, slowBegun } = setup();
    const controller = new AbortController();
    const slow = bridge.call((api) => api.slow(), controller.signal);
    await slowBegun;
    controller.abort();
    await expect(slow).rejects.toMatchObject({ name: 'AbortError' });
    expect(workers[0].terminated).toBe(true);
    expect(stops.count).toBe(1);
    // No call was left to run again: no fresh worker until the next call.
    expect(workers).toHaveLength(1);
  });

  it('gives each worker a signal that aborts when that worker stops, not when a later one does', async () => {
    const { bridge, workers } = setup();
    expect(bridge.stopped).toBeNull();
    await bridge.call((api) => api.add(1, 1));
    const first = bridge.stopped!;
    expect(first.aborted).toBe(false);
    workers[0].crash('injected crash');
    expect(first.aborted).toBe(true);
    expect(first.reason).toMatchObject({ name: 'WorkerStoppedError' });
    expect(bridge.stopped).toBeNull();
    await bridge.call((api) => api.add(1, 2));
    const second = bridge.stopped!;
    expect(second).not.toBe(first);
    expect(bridge.release()).toBe(true);
    expect(second.aborted).toBe(true);
  });

  it("sends a call to a running worker in the caller's task, ahead of microtasks queued before it; a starting one gets it once started", async () => {
    const { bridge, workers } = setup();
    const order: string[] = [];
    const first = bridge.call((api) => {
      order.push('first sent');
      return api.add(1, 1);
    });
    expect(order).toEqual([]);
    expect(await first).toBe(2);
    expect(order).toEqual(['first sent']);

    queueMicrotask(() => order.push('microtask'));
    const second = bridge.call((api) => {
      order.push('second sent');
      return api.add(2, 3);
    });
    expect(order).toEqual(['first sent', 'second sent']);
    expect(await second).toBe(5);
    expect(order).toEqual(['first sent', 'second sent', 'microtask']);

    // A call that throws before sending rejects; the worker stays.
    await expect(
      bridge.call(() => {
        throw new Error('no message');
      }),
    ).rejects.toThrow('no message');
    expect(await bridge.call((api) => api.add(4, 4))).toBe(8);
    expect(workers).toHaveLength(1);
  });

  it('keeps the order of calls made while the worker starts, even one made the moment it has started', async () => {
    const { bridge } = setup();
    const order: string[] = [];
    let later: Promise<number> | null = null;
    // Runs as the worker has started, before the waiting call has been sent.
    void bridge.remote().then(() => {
      later = bridge.call((api) => {
        order.push('later');
        return api.add(3, 4);
      });
    });
    const waiting = bridge.call((api) => {
      order.push('waiting');
      return api.add(1, 2);
    });
    expect(await waiting).toBe(3);
    expect(await later).toBe(7);
    expect(order).toEqual(['waiting', 'later']);
  });
});
