/**
 * 8-bit sample buffers mapped ahead of use. While a photo decodes (in the image-codec worker: one
 * core busy), a worker allocates the buffers its first moments after decoding fill and writes one
 * byte per 4 KiB page, so their page faults (about 3 ms per MB on the 2-core VMs measured) are
 * taken then, not while the first preview is computed: the engine worker, when the pixels are not
 * in shared memory, for each first SVD job's channel and the preview worker's copy of the image;
 * each SVD worker, when they are, for the channel it takes from them (svd.worker.ts). One set per
 * photo: each buffer is taken once, by its length; drop() lets go of what was not taken, and
 * nothing is taken after it.
 */
export class MappedBuffers {
  #free: ArrayBuffer[] = [];
  #dropped = false;

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
    return at < 0 ? undefined : new Uint8Array(this.#free.splice(at, 1)[0]);
  }

  drop(): void {
    this.#dropped = true;
    this.#free = [];
  }
}
