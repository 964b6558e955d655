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
   * needs when it runs, as it would without these. Resolves once it has stopped.
   */
  map(byteLengths: readonly number[]): Promise<void> {
    return new Promise((resolve) => this.#mapNext([...byteLengths], resolve));
  }

  #mapNext(byteLengths: number[], done: () => void): void {
    const length = byteLengths.shift();
    if (length === undefined || this.#dropped) return done();
    setTimeout(() => {
      if (this.#dropped) return done();
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = new Uint8Array(length);
      } catch {
        return done();
      }
      for (let at = 0; at < length; at += 4096) bytes[at] = 0;
      this.#free.push(bytes.buffer);
      this.#mapNext(byteLengths, done);
    });
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
