import { afterEach, describe, expect, it, vi } from 'vitest';
import { MappedBuffers } from '../../renderer/src/shared/mapped-buffers.js';

describe('MappedBuffers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('maps one buffer per task, in order; each is taken once, by its length', () => {
    vi.useFakeTimers();
    const mapped = new MappedBuffers();
    mapped.map([4096 * 3, 4096 * 3, 5000]);
    // Nothing before the first task, one buffer after it.
    expect(mapped.take(4096 * 3)).toBeUndefined();
    vi.advanceTimersToNextTimer();
    expect(mapped.take(4096 * 3)?.length).toBe(4096 * 3);
    expect(mapped.take(4096 * 3)).toBeUndefined();
    vi.advanceTimersToNextTimer();
    expect(mapped.take(5000)).toBeUndefined();
    expect(mapped.take(4096 * 3)?.length).toBe(4096 * 3);
    vi.advanceTimersToNextTimer();
    expect(mapped.take(4999)).toBeUndefined();
    expect(mapped.take(5000)?.length).toBe(5000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('mapNow maps one buffer in this task, unless dropped', () => {
    const mapped = new MappedBuffers();
    expect(mapped.mapNow(8192)).toBe(true);
    expect(mapped.take(8192)?.length).toBe(8192);
    mapped.drop();
    expect(mapped.mapNow(8192)).toBe(false);
    expect(mapped.take(8192)).toBeUndefined();
  });

  it('after drop() nothing is taken, and mapping still to come stops', () => {
    vi.useFakeTimers();
    const mapped = new MappedBuffers();
    mapped.map([100, 200]);
    vi.advanceTimersToNextTimer();
    mapped.drop();
    expect(mapped.take(100)).toBeUndefined();
    vi.runAllTimers();
    expect(mapped.take(200)).toBeUndefined();
    const later = new MappedBuffers();
    later.map([300, 400]);
    later.drop();
    vi.runAllTimers();
    expect(later.take(300)).toBeUndefined();
    expect(later.take(400)).toBeUndefined();
  });
});
