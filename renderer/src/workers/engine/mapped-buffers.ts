/**
 * Buffers mapped ahead of use. While a photo decodes (in the image-codec worker: one core busy),
 * the engine worker allocates the buffers its first moments after decoding fill — each first SVD
 * job's channel and the preview worker's copy of the image — and writes one byte per 4 KiB page,
 * so their page faults (about 3 ms per MB on the 2-core VMs measured) are taken then, not while
 * the first preview is computed. Each buffer is taken once, by its byte length; drop() lets go of
 * what was not taken.
 */
export class MappedBuffers {
  #free: ArrayBuffer[] = [];

  /** Maps buffers of these byte lengths, in place of any not taken. */
  map(byteLengths: readonly number[]): void {
    this.#free = []; // the old ones may go before the new ones are made
    this.#free = byteLengths.map((length) => {
      const bytes = new Uint8Array(length);
      for (let at = 0; at < length; at += 4096) bytes[at] = 0;
      return bytes.buffer;
    });
  }

  /** A mapped buffer of exactly `byteLength` bytes (no longer held here), or undefined. */
  take(byteLength: number): ArrayBuffer | undefined {
    const at = this.#free.findIndex((buffer) => buffer.byteLength === byteLength);
    return at < 0 ? undefined : this.#free.splice(at, 1)[0];
  }

  drop(): void {
    this.#free = [];
  }
}
