import { createKernels, truncatedSvd, type Matrix } from '../../../core/index.js';

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<Matrix & { rank: number }>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async (event) => {
  try {
    const { rows, cols, data, rank } = event.data;
    const kernels = (await createKernels('auto')).kind;
    const started = performance.now();
    const svd = await truncatedSvd({ rows, cols, data }, { rank });
    scope.postMessage({ kernels, rank: svd.rank, sigma: Array.from(svd.sigma), milliseconds: performance.now() - started });
  } catch (error) {
    scope.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
};
