/** The .svd file format, versions 1 and 2: see SPEC.md. */
export { encodeSvd, type EncodeInput, type EncodedSvd } from './encode.js';
export { encodeSvdFile, PSNR_TOLERANCE_DB, type SvdTarget, type EncodeFileInput, type EncodedSvdFile } from './encode-v2.js';
export { decodeSvd, readSvdHeader, type DecodeOptions, type DecodedSvd } from './decode.js';
export { decodedColorSquaredError, decodedSvdPixels, decodedPlaneSamples, patchComponentsInto } from './pixels.js';
export { svdFilePrefix, svdFileSubset } from './prefix.js';
export {
  imageLayout,
  planeMatrices,
  planeMatrix,
  planeSamples,
  planeSamplesOf,
  planeMatrixOf,
  planeChannel,
  planesToPixels,
  chromaSubsamplingError,
  colorSquaredError,
  PATCH_SIZES,
  DEFAULT_PATCH_SIZE,
  type ImageLayout,
  type PlaneLayout,
  type PlaneKind,
  type SvdModel,
  type PlaneColorSpace,
  type ChromaResolution,
  type LayoutOptions,
} from './planes.js';
export type { SvdMetadata } from './format-v2.js';
export { SvdFormatError, crc32, type SvdFileHeader, type SvdFormatErrorCode, type AlphaStorage, type ColorSpace } from './format.js';
export { quantizationStep, DEFAULT_QUANTIZATION_SHARE } from './quantize.js';
