/**
 * SVD Studio's engine: pure TypeScript (no DOM, no Node), runs in a worker, in Node and in the
 * browser. See core/README.md for the algorithm and its measured accuracy and speed.
 */
export type { KrylovState, Matrix, SampleMatrix, SvdInput, TruncatedSvd, SvdOptions } from './types.js';
export { SvdInputError, SvdAbortError } from './types.js';
export { truncatedSvd, runTruncatedSvd, lanczosPlan, svdWorkspace, RELATIVE_RANK_TOLERANCE } from './svd/truncated-svd.js';
export { LANCZOS_PHASES, type LanczosPhase, type LanczosProfile } from './svd/block-lanczos.js';
export {
  progressiveTruncatedSvd,
  normalizeStages,
  stagesForRank,
  DEFAULT_STAGES,
  DEFAULT_WORKING_RANK,
  type ProgressiveOptions,
} from './svd/progressive.js';
export { squaredErrorAtRank, squaredErrorCurve, energyKept, type Spectrum } from './svd/error.js';
export { boxResample, boxResamplePlane, filterPlane, downscaleImage, fitWithin } from './image/resample.js';
export { boxSpans, type Spans } from './image/box.js';
export { upsampledSpans, yCbCrRowToRgb, YCBCR_ERROR_WEIGHTS } from './image/color.js';
export { patchGrid, type PatchGrid } from './image/patches.js';
export {
  reconstruct,
  reconstructFullResolution,
  reconstructPixels,
  boxAveragedRows,
  filteredRows,
  type Region,
  type ReconstructionOptions,
} from './image/reconstruct.js';
export {
  splitChannels,
  extractChannel,
  colorChannelCount,
  hasAlpha,
  alphaPlaneOf,
  channelSamples,
  everyChannelSamples,
  mergeChannels,
  withoutAlpha,
  withoutAlphaAndPlanes,
  atBitDepth,
  validatePixelImage,
  peakValue,
  PixelFormatError,
  type PixelImage,
  type ChannelCount,
  type BitDepth,
} from './image/channels.js';
export { readExifOrientation, applyOrientation, exifWithoutOrientation } from './image/orientation.js';
export {
  IMAGE_FORMATS,
  DEFAULT_QUALITY,
  EXPORT_EXTENSIONS,
  MIME_TYPES,
  MAX_IMAGE_PIXELS,
  WORKING_PIXEL_LIMIT,
  type ImageFormat,
  type ExportFormat,
  type InputImageFormat,
} from './image/formats.js';
export { SvdPool, type SvdWorker, type ChannelJob, type DecomposeOptions } from './pool.js';
export {
  bestKernelKind,
  createKernels,
  relaxedSimdAvailable,
  simdAvailable,
  type KernelBackend,
  type KernelKind,
} from './kernels/index.js';
export * from './codec/index.js';
export * from './metrics/index.js';
export * from './learn/index.js';
