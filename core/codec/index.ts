/** The .svd file format: see SPEC.md. */
export { encodeSvd, type EncodeInput, type EncodedSvd } from './encode.js';
export { decodeSvd, readSvdHeader, type DecodeOptions, type DecodedSvd } from './decode.js';
export { SvdFormatError, crc32, type SvdFileHeader, type SvdFormatErrorCode, type AlphaStorage, type ColorSpace } from './format.js';
export { quantizationStep, DEFAULT_QUANTIZATION_SHARE } from './quantize.js';
