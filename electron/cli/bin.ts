/** Entry of the `svd-studio` executable (dist/electron/cli.mjs). */
import { main } from './main.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());
main(process.argv.slice(2), undefined, controller.signal).then(
  (code) => {
    process.exitCode = controller.signal.aborted ? 130 : code;
  },
  (error: unknown) => {
    process.stderr.write(`svd-studio: ${(error as Error)?.message ?? error}\n`);
    process.exitCode = 1;
  },
);
