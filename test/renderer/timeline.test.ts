import { describe, expect, it } from 'vitest';
import { decodeSpan } from '../../renderer/src/shared/timeline.js';

// The page asked at 100 and had the pixels at 200 (its own clock); the host's moments come from
// another clock, off by any amount.
describe('decodeSpan', () => {
  it('keeps host moments that fall where the page saw them', () => {
    expect(decodeSpan({ calledAt: 100, arrived: 200, hostChosenAt: 105, hostDecodedAt: 180 })).toEqual({ start: 105, end: 180 });
  });

  it('moves a host span from a clock behind the page to end when the pixels arrived, keeping its length', () => {
    // Main's clock 500 ms behind: its 40 ms decode would otherwise collapse to nothing. Ending at
    // the arrival, it does not take in the time before (a dialog open, say).
    expect(decodeSpan({ calledAt: 100, arrived: 200, hostChosenAt: -395, hostDecodedAt: -355 })).toEqual({ start: 160, end: 200 });
  });

  it('moves a host span from a clock ahead of the page to before the pixels arrived, keeping its length', () => {
    expect(decodeSpan({ calledAt: 100, arrived: 200, hostChosenAt: 900, hostDecodedAt: 940 })).toEqual({ start: 160, end: 200 });
  });

  it('fills the window with a host span longer than it', () => {
    expect(decodeSpan({ calledAt: 100, arrived: 200, hostChosenAt: 0, hostDecodedAt: 300 })).toEqual({ start: 100, end: 200 });
  });

  it('starts at the choosing event the page saw, and ends where the host decoded', () => {
    expect(decodeSpan({ calledAt: 100, arrived: 200, chosenAt: 95, hostChosenAt: 110, hostDecodedAt: 170 })).toEqual({
      start: 95,
      end: 170,
    });
    // A worker that gives only its decoded moment, from a clock behind: the pixels' arrival.
    expect(decodeSpan({ calledAt: 100, arrived: 200, chosenAt: 95, hostDecodedAt: 20 })).toEqual({ start: 95, end: 200 });
  });

  it('without host moments, spans from the event (or the call) to the pixels', () => {
    expect(decodeSpan({ calledAt: 100, arrived: 200 })).toEqual({ start: 100, end: 200 });
    expect(decodeSpan({ calledAt: 100, arrived: 200, chosenAt: 90 })).toEqual({ start: 90, end: 200 });
  });
});
