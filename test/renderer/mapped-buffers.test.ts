import { afterEach, describe, expect, it, vi } from 'vitest';
import { MappedBuffers, mapShared } from '../../renderer/src/shared/mapped-buffers.js';

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

  it('shareUnmapped: shared buffers that take() gives only once mapShared (another thread) has mapped them, in order', async () => {
    vi.useFakeTimers();
    const ahead = new MappedBuffers();
    const shared = ahead.shareUnmapped([3 * 8192, 8192, 8192])!;
    expect(shared.buffers.map((buffer) => [buffer instanceof SharedArrayBuffer, buffer.byteLength])).toEqual([
      [true, 3 * 8192],
      [true, 8192],
      [true, 8192],
    ]);
    // One set per MappedBuffers.
    expect(ahead.shareUnmapped([100])).toBeNull();
    // Not mapped yet: nothing to take (the caller makes its own).
    expect(ahead.take(3 * 8192)).toBeUndefined();
    const mapping = mapShared(shared);
    // After the first task, the first buffer only.
    vi.advanceTimersToNextTimer();
    expect(ahead.take(8192)).toBeUndefined();
    const pixels = ahead.take(3 * 8192)!;
    expect(pixels.buffer).toBe(shared.buffers[0]);
    expect(ahead.take(3 * 8192)).toBeUndefined();
    vi.runAllTimers();
    await mapping;
    expect(ahead.take(8192)!.buffer).toBe(shared.buffers[1]);
    expect(ahead.take(8192)!.buffer).toBe(shared.buffers[2]);
    expect(ahead.take(8192)).toBeUndefined();
    // Dropped: nothing more, and no new set.
    const later = new MappedBuffers();
    const more = later.shareUnmapped([4096])!;
    const laterMapping = mapShared(more);
    vi.runAllTimers();
    await laterMapping;
    later.drop();
    expect(later.take(4096)).toBeUndefined();
    expect(later.shareUnmapped([4096])).toBeNull();
    // Dropped while being mapped: the mapping stops after the buffer it is on.
    const stopped = new MappedBuffers();
    const unused = stopped.shareUnmapped([8192, 8192, 8192])!;
    const stopping = mapShared(unused);
    vi.advanceTimersToNextTimer();
    stopped.drop();
    vi.runAllTimers();
    await stopping;
    expect(new Int32Array(unused.mapped)[0]).toBe(1);
  });
});
