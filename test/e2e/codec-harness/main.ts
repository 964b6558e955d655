/**
 * Test page for the web host's image codecs: files are fetched from URLs the end-to-end test
 * serves (its own routes), decoded or encoded in a module Web Worker bundled by Vite, and
 * compared here with reference pixels fetched the same way, so that only small summaries cross
 * between the test and the page.
 */
import type { PixelImage } from '../../../core/image/channels.js';
import type { ImageFormat } from '../../../renderer/src/workers/image-codec/image-codecs.js';
import type { CodecRequest, CodecResponse } from './codec.worker.js';

export type Outcome<T> = ({ ok: true } & T) | { ok: false; error: { name: string; message: string } };
export interface DecodeSummary {
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  milliseconds: number;
  /** The size decodeImage's onSize announced from the header before decoding (null: none). */
  announced: { width: number; height: number; bitDepth: number } | null;
  /** The colour planes the studio's decoder made with the image (decodeImage's withPlanes): none, or whether they equal each channel's samples. */
  planes: 'none' | 'match' | 'differ';
}
export interface Comparison {
  samples: number;
  referenceSamples: number;
  maxDiff: number;
  meanAbsDiff: number;
  differing: number;
}
export interface EncodeResult {
  base64: string;
  size: number;
  milliseconds: number;
}

const worker = new Worker(new URL('./codec.worker.ts', import.meta.url), { type: 'module' });
const pending = new Map<number, (response: CodecResponse) => void>();
let nextId = 1;
/** The last decoded image: compared and encoded by the calls below. */
let current: PixelImage | null = null;

worker.onmessage = (event: MessageEvent<CodecResponse>) => {
  pending.get(event.data.id)?.(event.data);
  pending.delete(event.data.id);
};

function call(request: CodecRequest, transfer: Transferable[] = []): Promise<CodecResponse> {
  return new Promise((resolve) => {
    pending.set(request.id, resolve);
    worker.postMessage(request, transfer);
  });
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function decode(url: string, name: string, maxPixels?: number): Promise<Outcome<DecodeSummary>> {
  const bytes = await fetchBytes(url);
  const response = await call({ id: nextId++, op: 'decode', bytes, name, maxPixels }, [bytes.buffer]);
  if (!response.ok) return response;
  if (!('image' in response)) throw new Error('decode answered without an image');
  current = response.image;
  const { width, height, channels, bitDepth } = current;
  return {
    ok: true,
    width,
    height,
    channels,
    bitDepth,
    milliseconds: response.milliseconds,
    announced: response.announced,
    planes: response.planes,
  };
}

/** The last decoded pixels against raw reference samples (8-bit, or 16-bit little-endian). */
async function compare(url: string): Promise<Comparison> {
  if (!current) throw new Error('nothing decoded yet');
  const bytes = await fetchBytes(url);
  const reference = current.bitDepth === 16 ? new Uint16Array(bytes.buffer, 0, bytes.length >> 1) : bytes;
  const pixels = current.pixels;
  const samples = Math.min(pixels.length, reference.length);
  let maxDiff = 0,
    sum = 0,
    differing = 0;
  for (let i = 0; i < samples; i++) {
    const diff = Math.abs(pixels[i] - reference[i]);
    if (diff > 0) differing++;
    if (diff > maxDiff) maxDiff = diff;
    sum += diff;
  }
  return { samples: pixels.length, referenceSamples: reference.length, maxDiff, meanAbsDiff: sum / Math.max(1, samples), differing };
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** Encodes the last decoded image (a copy is sent, so it can be encoded again). */
async function encode(format: ImageFormat, quality?: number): Promise<Outcome<EncodeResult>> {
  if (!current) throw new Error('nothing decoded yet');
  const image = { ...current, pixels: current.pixels.slice() };
  const response = await call({ id: nextId++, op: 'encode', image, format, quality }, [image.pixels.buffer]);
  if (!response.ok) return response;
  if (!('bytes' in response)) throw new Error('encode answered without bytes');
  return { ok: true, base64: toBase64(response.bytes), size: response.bytes.length, milliseconds: response.milliseconds };
}

export interface CodecHarness {
  decode: typeof decode;
  compare: typeof compare;
  encode: typeof encode;
}

(window as unknown as { codecHarness: CodecHarness }).codecHarness = { decode, compare, encode };
document.getElementById('status')!.textContent = 'ready';
