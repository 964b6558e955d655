/** Learn mode's numbers: the linear algebra behind the picture, computed on the open photo. */
export { GramOperator, GRAM_BLOCK } from './gram-operator.js';
export { gramEigen, DENSE_GRAM_LIMIT, type EigenPairs, type GramEigen, type GramEigenOptions } from './gram-eigen.js';
export { eigenAgreement, singularVectorRows, CLUSTER_GAP, type EigenAgreement } from './agreement.js';
export { orthogonality, MAX_ORTHOGONALITY_RANK, type Orthogonality } from './orthogonality.js';
export { eckartYoung, randomProjectionEnergy, type EckartYoung } from './eckart-young.js';
export { rowPca, type RowPca } from './pca.js';
export { colorCovariance, type ColorAxis, type ColorCovariance } from './color-covariance.js';
