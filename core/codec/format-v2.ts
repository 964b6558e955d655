/**
 * The `.svd` container, version 2 (SPEC.md, "Version 2"): fixed header, plane entries, metadata,
 * segment index, coded segments, CRC-32. Offsets in bytes, little-endian:
 *
 *   0 magic (8) · 8 version u16 = 2 · 10 channels u8 · 11 colour space u8 · 12 width u32
 *   16 height u32 · 20 bit depth u8 · 21 alpha storage u8 · 22 model u8 · 23 patch size u8
 *   24 chroma u8 · 25 flags u8 · 26 plane count u8 · 27 reserved u8 · 28 metadata length u32
 *   32 segment count u32 · 36 payload length u32 · 40 per plane: rank u16, reserved u16
 *   · metadata · per segment: plane u8, gain f32, length u32 · payload · CRC-32 u32
 */
import type { PlaneKind } from './planes.js';

export const FORMAT_VERSION_2 = 2;
export const V2_FIXED_HEADER_BYTES = 40;
export const V2_PLANE_ENTRY_BYTES = 4;
export const V2_SEGMENT_ENTRY_BYTES = 9;
/** The segment of a losslessly stored alpha plane names this plane number. */
export const ALPHA_SEGMENT_PLANE = 255;
/** Flag bit: the decoder smooths the patch grid's block edges. */
export const FLAG_DEBLOCK = 1;
/** Metadata entry types. */
export const METADATA_ICC = 1;
export const METADATA_EXIF = 2;
/** Metadata is small (ICC profiles and EXIF blocks): a reader refuses more. */
export const MAX_METADATA_BYTES = 1 << 24;

export const MODEL_CODES = { whole: 0, patch: 1 } as const;
export const CHROMA_CODES = { full: 0, half: 1 } as const;

/** The planes a v2 file holds, in order, for its colour space and alpha storage (must match its plane count). */
export function planeKindsOf(colorChannels: 1 | 3, colorSpace: 'rgb' | 'ycbcr', lowRankAlpha: boolean): PlaneKind[] {
  const kinds: PlaneKind[] = colorChannels === 1 ? ['gray'] : colorSpace === 'ycbcr' ? ['y', 'cb', 'cr'] : ['r', 'g', 'b'];
  if (lowRankAlpha) kinds.push('alpha');
  return kinds;
}

/** What a v2 file carries besides pixels: an ICC profile and EXIF fields (orientation already applied). */
export interface SvdMetadata {
  icc?: Uint8Array;
  exif?: Uint8Array;
}

export function encodeMetadata(metadata: SvdMetadata | undefined): Uint8Array {
  const entries: [number, Uint8Array][] = [];
  if (metadata?.icc?.length) entries.push([METADATA_ICC, metadata.icc]);
  if (metadata?.exif?.length) entries.push([METADATA_EXIF, metadata.exif]);
  const out = new Uint8Array(entries.reduce((sum, [, bytes]) => sum + 5 + bytes.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [type, bytes] of entries) {
    out[at] = type;
    view.setUint32(at + 1, bytes.length, true);
    out.set(bytes, at + 5);
    at += 5 + bytes.length;
  }
  return out;
}
