/**
 * When the studio is idle (renderer/src/state/idle-work.ts), with fake timers: the last work's
 * end starts the wait, new work or a hold ends it, overlapping work counts once each, a changed
 * photo drops it, and something else still running makes it look again later.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleWork } from '../../renderer/src/state/idle-work.js';

const DELAY = 6000;

/** Whether an idle moment is waited for: IdleWork's timer is the only one these tests set. */
const waiting = () => vi.getTimerCount() > 0;

function idleWork() {
  const state = { key: 1 as number | undefined, busy: false, idle: 0, holds: 0 };
  const idle = new IdleWork({
    delay: DELAY,
    key: () => state.key,
    busy: () => state.busy,
    onIdle: () => state.idle++,
    onHold: () => state.holds++,
  });
  return { idle, state };
}

describe('IdleWork', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('calls onIdle once, the delay after the last work ended; each begin holds', () => {
    const { idle, state } = idleWork();
    const end = idle.begin();
    expect(state.holds).toBe(1);
    vi.advanceTimersByTime(3 * DELAY);
    expect(state.idle).toBe(0);
    end();
    vi.advanceTimersByTime(DELAY - 1);
    expect(state.idle).toBe(0);
    vi.advanceTimersByTime(1);
    expect(state.idle).toBe(1);
    vi.advanceTimersByTime(3 * DELAY);
    expect(state.idle).toBe(1);
    expect(waiting()).toBe(false);
  });

  it('waits for overlapping work to end, counting an end called twice once', () => {
    const { idle, state } = idleWork();
    const first = idle.begin();
    const second = idle.begin();
    first();
    first();
    vi.advanceTimersByTime(2 * DELAY);
    expect(state.idle).toBe(0);
    expect(waiting()).toBe(false);
    second();
    vi.advanceTimersByTime(DELAY);
    expect(state.idle).toBe(1);
  });

  it('new work or a hold during the wait ends it; the next end waits afresh', () => {
    const { idle, state } = idleWork();
    idle.begin()();
    vi.advanceTimersByTime(DELAY / 2);
    const end = idle.begin();
    vi.advanceTimersByTime(2 * DELAY);
    expect(state.idle).toBe(0);
    end();
    vi.advanceTimersByTime(DELAY / 2);
    idle.hold();
    expect(state.holds).toBe(3);
    vi.advanceTimersByTime(2 * DELAY);
    expect(state.idle).toBe(0);
    idle.begin()();
    vi.advanceTimersByTime(DELAY);
    expect(state.idle).toBe(1);
  });

  it('looks again while something else runs, for the same photo only; no photo, no wait', () => {
    const { idle, state } = idleWork();
    state.busy = true;
    idle.begin()();
    vi.advanceTimersByTime(3 * DELAY);
    expect(state.idle).toBe(0);
    expect(waiting()).toBe(true);
    state.busy = false;
    vi.advanceTimersByTime(DELAY);
    expect(state.idle).toBe(1);
    // Another photo by the time it fires: nothing, and no more looking.
    idle.begin()();
    state.key = 2;
    vi.advanceTimersByTime(3 * DELAY);
    expect(state.idle).toBe(1);
    expect(waiting()).toBe(false);
    state.key = undefined;
    idle.begin()();
    expect(waiting()).toBe(false);
  });
});
