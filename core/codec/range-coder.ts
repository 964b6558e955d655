/**
 * A binary adaptive range coder (the arithmetic coder of `.svd` version 2), after LZMA's: a
 * 32-bit range split by a 12-bit probability per context, byte-wise renormalization with carry
 * propagation, and probabilities that move 1/16 of the way toward each coded bit. It is
 * hand-written because it is the codec's own: no maintained JavaScript library offers a
 * context-modelling binary coder.
 *
 * Streams ("segments") are terminated with as few bytes as decode them (usually one or two
 * beyond the pending output), and a decoder reads zeros past the end of its bytes, so segments
 * can be cut and concatenated at their boundaries. The first byte LZMA's encoder writes is
 * always zero and is not written.
 *
 * `CostCounter` runs the same models without writing anything and adds up −log₂ p of every coded
 * bit: the ideal code length of the model, which the bytes written must come close to.
 */

/** Probabilities are 12-bit: p(bit = 0) = state / 4096. */
const PROBABILITY_BITS = 12;
const PROBABILITY_ONE = 1 << PROBABILITY_BITS;
/** Adaptation speed: each coded bit moves the probability 1/2^ADAPT_SHIFT of the way. */
const ADAPT_SHIFT = 4;
const TOP = 2 ** 24;
const TWO_32 = 2 ** 32;

/** −log₂(state / 4096) for every 12-bit state, in bits. */
const COST_OF_ZERO = new Float64Array(PROBABILITY_ONE);
for (let p = 1; p < PROBABILITY_ONE; p++) COST_OF_ZERO[p] = -Math.log2(p / PROBABILITY_ONE);

/** A set of adaptive binary contexts (one probability each), shared by an encoder, a decoder or a cost counter. */
export class BitModels {
  readonly probabilities: Uint16Array;
  constructor(count: number) {
    this.probabilities = new Uint16Array(count).fill(PROBABILITY_ONE >>> 1);
  }
}

/** What the integer coders need of an encoder, a decoder's mirror (CostCounter) or the encoder itself. */
export interface BitSink {
  /** Codes `bit` with the adaptive probability of context `index` of `models`. */
  bit(models: BitModels, index: number, bit: number): void;
  /** Codes the low `count` bits of `value` (≤ 24), most significant first, each with probability ½. */
  direct(value: number, count: number): void;
}

function adapt(models: BitModels, index: number, bit: number): void {
  const p = models.probabilities[index];
  models.probabilities[index] = bit === 0 ? p + ((PROBABILITY_ONE - p) >>> ADAPT_SHIFT) : p - (p >>> ADAPT_SHIFT);
}

export class RangeEncoder implements BitSink {
  /** The ideal code length of what was coded so far, in bits (−log₂ p of every bit): what the bytes are measured against. */
  idealBits = 0;
  #low = 0; // < 2^32 + 2^32: a carry lives in bit 32
  #range = 0xffffffff;
  #cache = 0;
  #cacheSize = 1;
  #bytes = new Uint8Array(1024);
  #length = 0;
  /** The first byte out of shiftLow is always 0 (low < 2^32 before the first carry can reach it): dropped. */
  #skipFirst = true;

  bit(models: BitModels, index: number, bit: number): void {
    const p = models.probabilities[index];
    this.idealBits += bit === 0 ? COST_OF_ZERO[p] : COST_OF_ZERO[PROBABILITY_ONE - p];
    const bound = (this.#range >>> PROBABILITY_BITS) * p;
    if (bit === 0) {
      this.#range = bound;
    } else {
      this.#low += bound;
      this.#range -= bound;
    }
    adapt(models, index, bit);
    while (this.#range < TOP) {
      this.#range = (this.#range * 256) >>> 0;
      this.#shiftLow();
    }
  }

  direct(value: number, count: number): void {
    this.idealBits += count;
    for (let i = count - 1; i >= 0; i--) {
      this.#range = this.#range >>> 1;
      if ((value >>> i) & 1) this.#low += this.#range;
      while (this.#range < TOP) {
        this.#range = (this.#range * 256) >>> 0;
        this.#shiftLow();
      }
    }
  }

  /**
   * Ends the stream and returns its bytes. The final value is moved up within [low, low + range)
   * to the one with the most trailing zero bytes (range ≥ 2^24, so three at least), everything is
   * shifted out as LZMA's flush does, and trailing zero bytes are dropped: a decoder reads zeros
   * past the end anyway. So a stream ends one or two bytes after its pending output.
   */
  finish(): Uint8Array {
    for (const zeroBits of [32, 24]) {
      const unit = 2 ** zeroBits;
      const value = Math.ceil(this.#low / unit) * unit;
      if (value < this.#low + this.#range) {
        this.#low = value;
        break;
      }
    }
    for (let i = 0; i < 5; i++) this.#shiftLow();
    let end = this.#length;
    while (end > 0 && this.#bytes[end - 1] === 0) end--;
    return this.#bytes.slice(0, end);
  }

  #shiftLow(): void {
    if (this.#low < 0xff000000 || this.#low >= TWO_32) {
      const carry = this.#low >= TWO_32 ? 1 : 0;
      let temp = this.#cache;
      do {
        this.#write((temp + carry) & 0xff);
        temp = 0xff;
      } while (--this.#cacheSize !== 0);
      this.#cache = Math.floor(this.#low / TOP) & 0xff;
    }
    this.#cacheSize++;
    this.#low = (this.#low % TOP) * 256;
  }

  #write(byte: number): void {
    if (this.#skipFirst) {
      this.#skipFirst = false;
      return;
    }
    if (this.#length === this.#bytes.length) {
      const grown = new Uint8Array(this.#bytes.length * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    this.#bytes[this.#length++] = byte;
  }
}

export class RangeDecoder {
  readonly #bytes: Uint8Array;
  #at: number;
  readonly #end: number;
  #code = 0;
  #range = 0xffffffff;

  /** Decodes bytes[start, end); past `end` it reads zeros (how the encoder terminates). */
  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.#bytes = bytes;
    this.#at = start;
    this.#end = end;
    for (let i = 0; i < 4; i++) this.#code = ((this.#code * 256) >>> 0) + this.#next();
  }

  /** Bytes read so far past the end of the stream (as zeros). */
  get overrun(): number {
    return Math.max(0, this.#at - this.#end);
  }

  #next(): number {
    const at = this.#at++;
    return at < this.#end ? this.#bytes[at] : 0;
  }

  bit(models: BitModels, index: number): number {
    const p = models.probabilities[index];
    const bound = (this.#range >>> PROBABILITY_BITS) * p;
    let bit: number;
    if (this.#code < bound) {
      this.#range = bound;
      bit = 0;
    } else {
      this.#code -= bound;
      this.#range -= bound;
      bit = 1;
    }
    adapt(models, index, bit);
    while (this.#range < TOP) {
      this.#range = (this.#range * 256) >>> 0;
      this.#code = ((this.#code * 256) >>> 0) + this.#next();
    }
    return bit;
  }

  direct(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      this.#range = this.#range >>> 1;
      let bit = 0;
      if (this.#code >= this.#range) {
        this.#code -= this.#range;
        bit = 1;
      }
      value = value * 2 + bit;
      while (this.#range < TOP) {
        this.#range = (this.#range * 256) >>> 0;
        this.#code = ((this.#code * 256) >>> 0) + this.#next();
      }
    }
    return value;
  }
}

/** Runs the models as an encoder would and adds up the ideal code length, in bits. */
export class CostCounter implements BitSink {
  bits = 0;

  bit(models: BitModels, index: number, bit: number): void {
    const p = models.probabilities[index];
    this.bits += bit === 0 ? COST_OF_ZERO[p] : COST_OF_ZERO[PROBABILITY_ONE - p];
    adapt(models, index, bit);
  }

  direct(_value: number, count: number): void {
    this.bits += count;
  }
}
