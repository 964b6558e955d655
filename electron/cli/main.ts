/**
 * The `svd-studio` command line (DESIGN.md, "Command line"): compress, decompress, info and
 * sweep. Exit codes: 0 success, 1 bad input or failure, 2 usage. A failure prints one line on
 * stderr naming the file and the problem — never a stack trace (set SVD_STUDIO_DEBUG=1 for one).
 */
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import {
  SvdFormatError,
  SvdInputError,
  MetricsError,
  DEFAULT_WORKING_RANK,
  DEFAULT_PATCH_SIZE,
  PATCH_SIZES,
  type SvdPool,
} from '../../core/index.js';
import { createNodeSvdPool } from './svd-pool.js';
import { ImageIoError, carriedMetadata } from '../io/image-io.js';
import { AtomicWriteError, OutputExistsError } from '../io/atomic-write.js';
import { compressOne, describeCompress, DEFAULT_PATCH_PSNR, DEFAULT_WHOLE_RANK, type RankTarget } from './compress.js';
import { decompress } from './decompress.js';
import { info } from './info.js';
import { describeSweep, sweep, DEFAULT_SWEEP_RANKS } from './sweep.js';
import { TargetError, UsageError, exists, expandInputs, integerOption, numberOption, outputPathFor, throwIfAborted } from './options.js';
import { createProgress } from './progress.js';

export const HELP = `svd-studio — image compression with the truncated SVD

Usage:
  svd-studio compress IN... [-k N | --psnr DB | --max-bytes N] [--model patch|whole] [--color-space ycbcr|rgb]
                      [-o OUT.svd | --out-dir DIR] [--json] [--force | --skip-existing]
  svd-studio decompress IN.svd [-o OUT.png|.jpg|.webp|.avif] [-k N] [--quality Q] [--force]
  svd-studio info IN.svd [--json]
  svd-studio sweep IN [--ranks 1,2,4,...] [--color-space ycbcr|rgb] [--json]

Commands:
  compress     Write a .svd file (version 2) of each input image (files or folders of images).
               --psnr gives the smallest file whose decoded pixels reach DB; --max-bytes the
               best file of at most N bytes; both let the rate allocation choose how many
               components each plane keeps. -k keeps N components per plane. With no target:
               --psnr ${DEFAULT_PATCH_PSNR} for the patch model, -k ${DEFAULT_WHOLE_RANK} for the whole-image model.
  decompress   Decode a .svd file (version 1 or 2) to PNG, JPEG, WebP or AVIF (by the output's
               extension; default: PNG beside the input), with all it stores or -k N per plane.
  info         Print a .svd file's header: size, channels, model, colour space, bit depth, ranks.
  sweep        Rate–distortion table of both models: for each rank the .svd bytes, PSNR and SSIM
               of the decoded file, JPEG (mozjpeg) and WebP at about the same bytes, and the
               bytes JPEG and WebP need for the same PSNR.

Options:
      --model M        patch (default: p × p blocks of each plane decomposed together, the
                       smaller file) or whole (each plane decomposed as one matrix, what the
                       studio's rank slider shows)
      --color-space C  ycbcr (default for colour: luma and half-resolution chroma) or rgb
      --patch-size P   ${PATCH_SIZES.join(', ')} (default ${DEFAULT_PATCH_SIZE}): the patch model's block size
  -k, --rank N         components per plane (patch model: 1 … P²)
      --psnr DB        target PSNR of the decoded file (compress)
      --max-bytes N    largest .svd file size (compress)
      --max-rank N     components the whole-image model computes per plane (default ${DEFAULT_WORKING_RANK})
  -o, --output PATH    output file (one input only); default: beside the input
      --out-dir DIR    folder for the outputs (several inputs)
      --quality Q      1–100 for JPEG, WebP and AVIF outputs
      --keep-metadata  compress: carry the input's EXIF (orientation reset) and an sRGB profile in
                       the .svd file; image outputs: tag them with their sRGB profile (default: none)
      --deblock        patch model: have decoders smooth the block edges
      --max-pixels N   refuse images (and .svd files) larger than N pixels (default 100,000,000)
      --ranks LIST     ranks for sweep (default ${DEFAULT_SWEEP_RANKS.join(',')})
      --json           machine-readable output: one JSON object per input (JSON Lines)
      --force          replace existing output files (never done otherwise)
      --skip-existing  compress: leave inputs whose output exists alone (counted as skipped)
  -h, --help           this help
  -v, --version        the version

Metrics compare the decoded file with the decoded input over the colour channels (peak 255 or
65535); SSIM is scikit-image's structural_similarity with Gaussian weights (σ = 1.5).
Several inputs end with one summary line on stderr ("N compressed, M failed", and ", K skipped");
each failure has its own line naming the file. Ctrl-C stops at the next step: every output
written is complete, and no temporary file stays.
Exit codes: 0 success, 1 bad input or failure (any file of several), 2 usage, 130 interrupted.`;

interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

function version(): string {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function main(
  argv: readonly string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr },
  signal?: AbortSignal,
): Promise<number> {
  let pool: SvdPool | null = null;
  const getPool = () => (pool ??= createNodeSvdPool());
  const progress = createProgress(io.stderr, true);
  let currentFile = '';
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        rank: { type: 'string', short: 'k' },
        psnr: { type: 'string' },
        'max-bytes': { type: 'string' },
        'max-rank': { type: 'string' },
        output: { type: 'string', short: 'o' },
        'out-dir': { type: 'string' },
        quality: { type: 'string' },
        ranks: { type: 'string' },
        json: { type: 'boolean', default: false },
        'keep-metadata': { type: 'boolean', default: false },
        model: { type: 'string' },
        'color-space': { type: 'string' },
        'patch-size': { type: 'string' },
        deblock: { type: 'boolean', default: false },
        'max-pixels': { type: 'string' },
        force: { type: 'boolean', default: false },
        'skip-existing': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
    if (values.help) {
      io.stdout.write(HELP + '\n');
      return 0;
    }
    if (values.version) {
      io.stdout.write(`svd-studio ${version()}\n`);
      return 0;
    }
    const [command, ...inputs] = positionals;
    if (!command) throw new UsageError('no command given');
    const json = values.json;
    const emit = (report: unknown, text: string) => {
      throwIfAborted(signal); // interrupted work reports nothing
      io.stdout.write((json ? JSON.stringify(report) : text) + '\n');
    };

    switch (command) {
      case 'compress': {
        if (inputs.length === 0) throw new UsageError('compress needs at least one input image');
        const targets = [values.rank, values.psnr, values['max-bytes']].filter((value) => value !== undefined);
        if (targets.length > 1) throw new UsageError('give at most one of -k, --psnr and --max-bytes');
        if (values.output && values.ranks) throw new UsageError('--ranks belongs to sweep');
        if (values.force && values['skip-existing']) throw new UsageError('give one of --force and --skip-existing');
        const maxRank = integerOption('--max-rank', values['max-rank'], 1, 65535) ?? DEFAULT_WORKING_RANK;
        const { model, colorSpace, patchSize } = layoutOptions(values);
        const target: RankTarget | undefined =
          values.psnr !== undefined
            ? { kind: 'psnr', decibels: numberOption('--psnr', values.psnr, 1, 200)! }
            : values['max-bytes'] !== undefined
              ? { kind: 'bytes', bytes: integerOption('--max-bytes', values['max-bytes'], 1)! }
              : values.rank !== undefined
                ? { kind: 'rank', rank: integerOption('-k', values.rank, 1, model === 'patch' ? patchSize * patchSize : 65535)! }
                : undefined;
        const maxPixels = integerOption('--max-pixels', values['max-pixels'], 1);
        const files = await expandInputs(inputs);
        if (values.output && files.length > 1) throw new UsageError('-o names one output; use --out-dir for several inputs');
        // Several inputs: a file that fails is reported (one line) and the others still run;
        // the exit code says whether any failed, and a summary line counts them.
        let compressed = 0;
        let failures = 0;
        let skipped = 0;
        const summary = () => {
          if (files.length > 1 || skipped > 0)
            io.stderr.write(`${compressed} compressed, ${failures} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
        };
        for (const [index, file] of files.entries()) {
          currentFile = file;
          if (signal?.aborted && files.length > 1) {
            io.stderr.write('svd-studio: interrupted\n');
            summary();
            return 130;
          }
          if (
            values['skip-existing'] &&
            (await exists(outputPathFor(file, '.svd', { output: values.output, outDir: values['out-dir'] })))
          ) {
            skipped++;
            continue;
          }
          // After the last file's decomposition the workers are done: closing the pool returns
          // their WebAssembly workspaces (~100 MB each at 12 MP) before encoding and measuring.
          const releasePool =
            index === files.length - 1
              ? () => {
                  pool?.close();
                  pool = null;
                }
              : undefined;
          try {
            const report = await compressOne(
              file,
              {
                target,
                model,
                colorSpace,
                patchSize,
                maxRank,
                maxPixels,
                output: values.output,
                outDir: values['out-dir'],
                force: values.force,
                keepMetadata: values['keep-metadata'],
                deblock: values.deblock,
              },
              getPool(),
              progress,
              signal,
              carriedMetadata,
              releasePool,
              // Counted once written: Ctrl-C while it is measured leaves a complete output.
              () => compressed++,
            );
            progress.done();
            emit(report, describeCompress(report));
          } catch (error) {
            if ((error as Error)?.name === 'AbortError' && files.length > 1) {
              progress.done();
              io.stderr.write(`svd-studio: ${describeFailure(error, file)}\n`);
              summary();
              return 130;
            }
            if (files.length === 1 || (error as Error)?.name === 'AbortError' || error instanceof UsageError) throw error;
            progress.done();
            io.stderr.write(`svd-studio: ${describeFailure(error, file)}\n`);
            failures++;
          }
        }
        summary();
        return failures > 0 ? 1 : 0;
      }
      case 'decompress': {
        if (inputs.length !== 1) throw new UsageError('decompress takes one .svd file');
        currentFile = inputs[0];
        const output = outputPathFor(inputs[0], '.png', { output: values.output, outDir: values['out-dir'] });
        const report = await decompress(inputs[0], output, {
          rank: integerOption('-k', values.rank, 1, 65535),
          quality: integerOption('--quality', values.quality, 1, 100),
          keepMetadata: values['keep-metadata'],
          maxPixels: integerOption('--max-pixels', values['max-pixels'], 1),
          force: values.force,
          signal,
        });
        emit(
          report,
          `${report.input} → ${report.output}: ${report.width} × ${report.height}, rank ${report.rank.join('/')}, ${report.file_bytes.toLocaleString('en-US')} bytes`,
        );
        return 0;
      }
      case 'info': {
        if (inputs.length !== 1) throw new UsageError('info takes one .svd file');
        currentFile = inputs[0];
        const report = await info(inputs[0]);
        emit(
          report,
          `${inputs[0]}: version ${report.version}, ${report.width} × ${report.height}, ${report.channels} channel(s), ` +
            `${report.model}${report.patch_size ? ` ${report.patch_size} × ${report.patch_size}` : ''}, ${report.color_space.toUpperCase()}, ` +
            `${report.bit_depth}-bit, rank ${report.rank.join('/')}${report.alpha ? `, ${report.alpha} alpha` : ''}, ${report.file_bytes.toLocaleString('en-US')} bytes`,
        );
        return 0;
      }
      case 'sweep': {
        if (inputs.length !== 1) throw new UsageError('sweep takes one input image');
        currentFile = inputs[0];
        const ranks =
          values.ranks === undefined
            ? DEFAULT_SWEEP_RANKS
            : values.ranks.split(',').map((text) => integerOption('--ranks', text, 1, 65535)!);
        const { colorSpace, patchSize } = layoutOptions(values);
        const report = await sweep(inputs[0], ranks, getPool(), progress, {
          colorSpace,
          patchSize,
          maxPixels: integerOption('--max-pixels', values['max-pixels'], 1),
          signal,
        });
        progress.done();
        emit(report, describeSweep(report));
        return 0;
      }
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    progress.done();
    if (process.env.SVD_STUDIO_DEBUG) io.stderr.write(`${(error as Error)?.stack ?? error}\n`);
    if (error instanceof UsageError || (error as { code?: string })?.code?.startsWith?.('ERR_PARSE_ARGS')) {
      io.stderr.write(`svd-studio: ${(error as Error).message}\nTry 'svd-studio --help'.\n`);
      return 2;
    }
    io.stderr.write(`svd-studio: ${describeFailure(error, currentFile)}\n`);
    return 1;
  } finally {
    (pool as SvdPool | null)?.close();
  }
}

/** One line naming the file and the problem. */
function describeFailure(error: unknown, file: string): string {
  if (error instanceof ImageIoError || error instanceof OutputExistsError || error instanceof AtomicWriteError) {
    return error.message.replace(/\s+/g, ' ');
  }
  const message = error instanceof Error ? error.message : String(error);
  const oneLine = message.split('\n')[0];
  if (error instanceof TargetError) return oneLine;
  if (error instanceof SvdFormatError || error instanceof SvdInputError || error instanceof MetricsError) return `${file}: ${oneLine}`;
  if ((error as Error)?.name === 'AbortError') return `${file}: interrupted`;
  return file ? `${file}: ${oneLine}` : oneLine;
}

/** --model, --color-space and --patch-size, checked (usage errors exit 2). */
function layoutOptions(values: { model?: string; 'color-space'?: string; 'patch-size'?: string }): {
  model: 'whole' | 'patch';
  colorSpace: 'rgb' | 'ycbcr';
  patchSize: number;
} {
  const model = values.model ?? 'patch';
  if (model !== 'whole' && model !== 'patch') throw new UsageError(`--model must be patch or whole, not '${model}'`);
  const colorSpace = values['color-space'] ?? 'ycbcr';
  if (colorSpace !== 'rgb' && colorSpace !== 'ycbcr') throw new UsageError(`--color-space must be ycbcr or rgb, not '${colorSpace}'`);
  const patchSize = integerOption('--patch-size', values['patch-size'], 1, 64) ?? DEFAULT_PATCH_SIZE;
  if (!(PATCH_SIZES as readonly number[]).includes(patchSize)) throw new UsageError(`--patch-size must be ${PATCH_SIZES.join(', ')}`);
  return { model, colorSpace, patchSize };
}
