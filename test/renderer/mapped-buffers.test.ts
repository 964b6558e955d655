import { describe, expect, it } from 'vitest';
import { MappedBuffers } from '../../renderer/src/workers/engine/mapped-buffers.js';

const tasks = (n: number) => new Promise((resolve) => setTimeout(resolve, n));

describe('MappedBuffers', () => {
  it('maps one buffer per task; each is taken once, by its length, zeroed', async () => {
    const mapped = new MappedBuffers();
    mapped.map([4096 * 3, 4096 * 3, 5000]);
    // Nothing before the first task.
    expect(mapped.take(4096 * 3)).toBeUndefined();
    await tasks(30);
    const first = mapped.take(4096 * 3);
    expect(first).toBeInstanceOf(Uint8Array);
    expect(first!.length).toBe(4096 * 3);
    expect(first!.every((value) => value === 0)).toBe(true);
    expect(mapped.take(4096 * 3)?.length).toBe(4096 * 3);
    expect(mapped.take(4096 * 3)).toBeUndefined();
    expect(mapped.take(4999)).toBeUndefined();
    expect(mapped.take(5000)?.length).toBe(5000);
  });

  it('after drop() nothing is taken, and mapping still to come stops', async () => {
    const mapped = new MappedBuffers();
    mapped.map([100, 200]);
    await tasks(30);
    mapped.drop();
    expect(mapped.take(100)).toBeUndefined();
    const later = new MappedBuffers();
    later.map([300, 400]);
    later.drop();
    await tasks(30);
    expect(later.take(300)).toBeUndefined();
    expect(later.take(400)).toBeUndefined();
  });
});
