/**
 * What the learn worker returns (types only: the main thread and the worker both import this
 * file). Lists are plain arrays so the views can show them and put them in data-value as JSON.
 */
export interface EigenView {
  method: 'dense' | 'lanczos';
  /** Dense: n; Lanczos: the Krylov space's dimension. */
  dimension: number;
  /** Lanczos: products with AᵀA, eight vectors each. */
  products: number;
  /** Eigenvalues of AᵀA from the eigensolver, largest first. */
  eigenvalues: number[];
  /** σᵢ² from the SVD, same order. */
  sigmaSquared: number[];
  /** |λᵢ − σᵢ²| / σᵢ². */
  relativeDifference: number[];
  /** Radians between vᵢ and the eigenvector (a cluster's largest principal angle). */
  angles: number[];
  /** [first, end) of clusters of σ's too close to separate. */
  clusters: [number, number][];
  /** ‖AᵀA vᵢ − σᵢ² vᵢ‖ / σᵢ². */
  residuals: number[];
  /** ‖AᵀA wᵢ − λᵢ wᵢ‖ / λᵢ of the eigensolver's own pairs. */
  eigenResiduals: number[];
  milliseconds: number;
}

export interface PcaView {
  /** Explained-variance ratio of each principal component (centred rows). */
  ratios: number[];
  /** σᵢ² / ‖A‖²_F of the uncentred SVD (the studio's), same count. */
  uncentred: number[];
  /** ‖A − 𝟙μᵀ‖²_F. */
  total: number;
  rows: number;
  /** Row r's coordinates on PC1 and PC2 at 2r, 2r + 1. */
  scores: Float32Array;
  milliseconds: number;
}

export interface VectorsView {
  /** 1-based. */
  index: number;
  sigma: number;
  /** uᵢ: one value per image row. */
  u: Float32Array;
  /** vᵢ: one value per image column. */
  v: Float32Array;
}

export interface StripsView {
  /** σᵢuᵢvᵢᵀ, i = 1 … count, grey around mid-grey (signed). */
  components: ImageBitmap[];
  /** A₁ … A_count. */
  partialSums: ImageBitmap[];
  /** The selected component, larger; `scale`: the magnitude mapped to black and white. */
  component: { index: number; bitmap: ImageBitmap; scale: number; sigma: number };
}
