/** Image-quality metrics: MSE, PSNR and scikit-image-compatible SSIM between two PixelImages. */
export {
  computeMetrics,
  meanSquaredError,
  psnrFromMse,
  MetricsError,
  type ImageMetrics,
  type ChannelMetrics,
  type MetricsOptions,
} from './metrics.js';
export { structuralSimilarity, type SsimPlaneInput } from './ssim.js';
