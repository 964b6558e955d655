/**
 * The image codecs in a module worker, as the renderer will run them: decode a file's bytes to
 * a PixelImage (with the size decodeImage announced from the header, before decoding, and the
 * colour planes it makes with an 8-bit RGB photo's pixels), or encode a PixelImage, timing only
 * the codec call (a decode's time includes those planes, as the studio's does).
 */
import { channelSamples } from '../../../core/index.js';
import { decodeImage, encodeImage, type DecodeSize, type ImageFormat } from '../../../renderer/src/workers/image-codec/image-codecs.js';
import type { PixelImage } from '../../../core/image/channels.js';

export type CodecRequest =
  | { id: number; op: 'decode'; bytes: Uint8Array; name: string; maxPixels?: number }
  | { id: number; op: 'encode'; image: PixelImage; format: ImageFormat; quality?: number };

export type CodecResponse =
  | {
      id: number;
      ok: true;
      image: PixelImage;
      milliseconds: number;
      announced: DecodeSize | null;
      /** The colour planes decodeImage made with the image: none, or whether they equal each channel's samples. */
      planes: 'none' | 'match' | 'differ';
    }
  | { id: number; ok: true; bytes: Uint8Array; milliseconds: number }
  | { id: number; ok: false; error: { name: string; message: string } };

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<CodecRequest>) => void) | null;
  postMessage(message: CodecResponse, transfer?: Transferable[]): void;
};

scope.onmessage = async ({ data: request }) => {
  const started = performance.now();
  try {
    if (request.op === 'decode') {
      let announced: DecodeSize | null = null;
      // With the colour planes the studio's decoder makes with the pixels (every image asks for them
      // here), checked against each channel's samples.
      const { image, planes: made } = await decodeImage(
        request.bytes,
        request.name,
        request.maxPixels,
        (size) => (announced = size),
        () => true,
      );
      const milliseconds = performance.now() - started;
      const planes = !made ? 'none' : made.every((plane, c) => sameSamples(plane, channelSamples(image, c))) ? 'match' : 'differ';
      scope.postMessage({ id: request.id, ok: true, image, milliseconds, announced, planes }, [image.pixels.buffer]);
    } else {
      const bytes = await encodeImage(request.image, request.format, request.quality);
      scope.postMessage({ id: request.id, ok: true, bytes, milliseconds: performance.now() - started }, [bytes.buffer]);
    }
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    scope.postMessage({ id: request.id, ok: false, error: { name, message } });
  }
};

function sameSamples(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
