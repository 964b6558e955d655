/**
 * The binary range coder of .svd v2 (core/codec/range-coder.ts): encode → decode is the identity
 * on random and adversarial bit streams (skewed, constant, alternating, long runs that stress
 * carry propagation, direct bits), terminated streams decode when cut at their end and followed
 * by anything, and the bytes come within 1 % + 4 bytes of the model's ideal code length.
 */
import { describe, expect, it } from 'vitest';
import { BitModels, CostCounter, RangeDecoder, RangeEncoder } from '../../core/codec/range-coder.js';
import { seededRandom } from '../helpers/random.js';

/** One coded event: an adaptive bit in a context, or `count` direct bits. */
type Event = { kind: 'bit'; context: number; bit: number } | { kind: 'direct'; value: number; count: number };

function roundTrip(events: readonly Event[], contexts: number): { bytes: Uint8Array; idealBits: number } {
  const encoder = new RangeEncoder();
  const cost = new CostCounter();
  const encoderModels = new BitModels(contexts);
  const costModels = new BitModels(contexts);
  for (const event of events) {
    if (event.kind === 'bit') {
      encoder.bit(encoderModels, event.context, event.bit);
      cost.bit(costModels, event.context, event.bit);
    } else {
      encoder.direct(event.value, event.count);
      cost.direct(event.value, event.count);
    }
  }
  const bytes = encoder.finish();
  // Followed by garbage, the stream still decodes: a decoder is given its own bytes only.
  const padded = new Uint8Array(bytes.length + 16).fill(0xa5);
  padded.set(bytes, 3);
  const decoder = new RangeDecoder(padded, 3, 3 + bytes.length);
  const decoderModels = new BitModels(contexts);
  events.forEach((event, index) => {
    if (event.kind === 'bit') {
      const bit = decoder.bit(decoderModels, event.context);
      if (bit !== event.bit) throw new Error(`event ${index}: decoded ${bit}, coded ${event.bit}`);
    } else {
      const value = decoder.direct(event.count);
      if (value !== event.value) throw new Error(`event ${index}: decoded ${value}, coded ${event.value}`);
    }
  });
  return { bytes, idealBits: cost.bits };
}

describe('RangeEncoder / RangeDecoder', () => {
  it('an empty stream is empty and decodes', () => {
    expect(roundTrip([], 1).bytes.length).toBe(0);
  });

  it.each([
    {
      name: 'uniform random bits, 8 contexts',
      make: (random: () => number) =>
        Array.from({ length: 20_000 }, () => ({ kind: 'bit' as const, context: Math.floor(random() * 8), bit: random() < 0.5 ? 1 : 0 })),
    },
    {
      name: 'skewed bits (p = 0.02 and 0.98) in 2 contexts',
      make: (random: () => number) =>
        Array.from({ length: 50_000 }, (_, i) => ({ kind: 'bit' as const, context: i & 1, bit: random() < (i & 1 ? 0.98 : 0.02) ? 1 : 0 })),
    },
    {
      name: 'all zeros (ranges shrink to the minimum, long carry-free runs)',
      make: () => Array.from({ length: 100_000 }, () => ({ kind: 'bit' as const, context: 0, bit: 0 })),
    },
    {
      name: 'all ones (low climbs: 0xFF runs and carries)',
      make: () => Array.from({ length: 100_000 }, () => ({ kind: 'bit' as const, context: 0, bit: 1 })),
    },
    {
      name: 'alternating against the adapted probability',
      make: () => Array.from({ length: 30_000 }, (_, i) => ({ kind: 'bit' as const, context: 0, bit: i % 97 === 0 ? 0 : 1 })),
    },
    {
      name: 'direct bits mixed with adaptive ones',
      make: (random: () => number) =>
        Array.from({ length: 20_000 }, (_, i): Event => {
          if (i % 3 === 0) {
            const count = 1 + Math.floor(random() * 24);
            return { kind: 'direct', count, value: Math.floor(random() * 2 ** count) };
          }
          return { kind: 'bit', context: i % 5, bit: random() < 0.1 ? 1 : 0 };
        }),
    },
    {
      name: 'direct bits of all ones (carries through direct coding)',
      make: () => Array.from({ length: 5_000 }, (): Event => ({ kind: 'direct', count: 24, value: 0xffffff })),
    },
  ] as { name: string; make: (random: () => number) => Event[] }[])(
    '$name: decodes exactly, within 1 % + 4 bytes of the ideal code length',
    ({ make }) => {
      for (const seed of [1, 2, 3]) {
        const events = make(seededRandom(seed));
        const { bytes, idealBits } = roundTrip(events, 8);
        expect(bytes.length).toBeLessThanOrEqual(Math.ceil((idealBits / 8) * 1.01) + 4);
      }
    },
  );

  it('short streams, every length 1 … 64 and random contexts: each ends on its own bytes', () => {
    const random = seededRandom(7);
    for (let length = 1; length <= 64; length++) {
      for (let trial = 0; trial < 20; trial++) {
        const events = Array.from({ length }, () => ({
          kind: 'bit' as const,
          context: Math.floor(random() * 3),
          bit: random() < random() ? 1 : 0,
        }));
        roundTrip(events, 3);
      }
    }
  });
});
