/**
 * 8-bit sample buffers mapped ahead of use. While a photo decodes (in the image-codec worker: one
 * core busy), a worker allocates the buffers its first moments after decoding fill and writes one
 * byte per 4 KiB page, so their page faults (about 3 ms per MB on the 2-core VMs measured) are
 * taken then, not while the first preview is computed: the engine worker, when the pixels are not
 * in shared memory, for each first SVD job's channel and the preview worker's copy of the image;
 * each SVD worker, when they are, for the channel it takes from them (svd.worker.ts); the
 * image-codec worker's pixels and colour planes, shared, allocated there and mapped by the engine
 * (shareUnmapped, mapShared). One set per photo: each buffer is taken once, by its length; drop()
 * lets go of what was not taken, and nothing is taken after it.
 */
export class MappedBuffers {
  #free: ArrayBuffer[] = [];
  /** Shared buffers another thread maps (shareUnmapped), in order, and how many it has mapped so far. */
  #ahead: { buffers: (SharedArrayBuffer | null)[]; mapped: Int32Array } | null = null;
  #dropped = false;

  /**
   * New shared buffers of these byte lengths, not mapped, for another thread to map
   * (mapShared) while this one is busy until it fills them: the image-codec worker's pixels and
   * colour planes, mapped by the engine worker while the photo decodes. take() gives one only once
   * that thread has mapped it (and so written to it for the last time); until then it gives
   * nothing, and the caller makes its own. drop() tells that thread to stop. One set per
   * MappedBuffers.
   */
  shareUnmapped(byteLengths: readonly number[]): SharedBuffers | null {
    if (this.#dropped || this.#ahead) return null;
    const shared = { buffers: byteLengths.map((length) => new SharedArrayBuffer(length)), mapped: new SharedArrayBuffer(8) };
    this.#ahead = { buffers: [...shared.buffers], mapped: new Int32Array(shared.mapped) };
    return shared;
  }

  /**
   * Maps buffers of these byte lengths, one per task (a message that arrives meanwhile waits for
   * one buffer, not all), until dropped. Where memory runs short it stops: the work makes what it
   * needs when it runs, as it would without these.
   */
  map(byteLengths: readonly number[]): void {
    const [length, ...rest] = byteLengths;
    if (length === undefined || this.#dropped) return;
    setTimeout(() => {
      if (this.mapNow(length)) this.map(rest);
    });
  }

  /** Maps one buffer of `length` bytes now, in this task; false when dropped or memory ran short. */
  mapNow(length: number): boolean {
    if (this.#dropped) return false;
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(length);
    } catch {
      return false;
    }
    for (let at = 0; at < length; at += 4096) bytes[at] = 0;
    this.#free.push(bytes.buffer);
    return true;
  }

  /** A mapped buffer of exactly `length` bytes (no longer held here), or undefined. */
  take(length: number): Uint8Array | undefined {
    const at = this.#free.findIndex((buffer) => buffer.byteLength === length);
    if (at >= 0) return new Uint8Array(this.#free.splice(at, 1)[0]);
    const ahead = this.#ahead;
    if (!ahead) return undefined;
    const mapped = Atomics.load(ahead.mapped, MAPPED);
    const index = ahead.buffers.findIndex((buffer, i) => i < mapped && buffer?.byteLength === length);
    if (index < 0) return undefined;
    const buffer = ahead.buffers[index]!;
    ahead.buffers[index] = null;
    return new Uint8Array(buffer);
  }

  drop(): void {
    this.#dropped = true;
    this.#free = [];
    if (this.#ahead) Atomics.store(this.#ahead.mapped, STOPPED, 1);
    this.#ahead = null;
  }
}

/**
 * Shared buffers for another thread to map (MappedBuffers.shareUnmapped); `mapped`: two Int32s,
 * how many are mapped (MAPPED) and whether their owner let go of them (STOPPED).
 */
export interface SharedBuffers {
  buffers: SharedArrayBuffer[];
  mapped: SharedArrayBuffer;
}
const MAPPED = 0;
const STOPPED = 1;

/**
 * Maps the buffers of another thread's shareUnmapped(), one per task, in order: one byte per
 * 4 KiB page written, then the count of those done raised, so that thread takes each only after
 * its last write here. Stops once that thread has dropped them. Resolves when done.
 */
export function mapShared({ buffers, mapped }: SharedBuffers): Promise<void> {
  const done = new Int32Array(mapped);
  return new Promise((resolve) => {
    const next = (at: number) => {
      if (at === buffers.length) return resolve();
      setTimeout(() => {
        if (Atomics.load(done, STOPPED)) return resolve();
        const bytes = new Uint8Array(buffers[at]);
        for (let page = 0; page < bytes.length; page += 4096) bytes[page] = 0;
        Atomics.store(done, MAPPED, at + 1);
        next(at + 1);
      });
    };
    next(0);
  });
}
