/** Entry of the `svd-studio` executable (dist/electron/cli.mjs). */
import { removeTemporariesSync } from '../io/atomic-write.js';
import { main } from './main.js';
import { enableRelaxedSimd } from './relaxed-simd.js';

enableRelaxedSimd();

// The first Ctrl-C (or SIGTERM) stops the work at the next phase boundary — the pool at once —
// with nothing more written; a second one exits immediately, removing the temporary file of a
// write in progress (the outputs already written are complete).
const controller = new AbortController();
const interrupt = () => {
  if (controller.signal.aborted) {
    removeTemporariesSync();
    process.exit(130);
  }
  controller.abort();
};
process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);
main(process.argv.slice(2), undefined, controller.signal).then(
  (code) => {
    process.exitCode = controller.signal.aborted ? 130 : code;
  },
  (error: unknown) => {
    process.stderr.write(`svd-studio: ${(error as Error)?.message ?? error}\n`);
    process.exitCode = 1;
  },
);
