// ESLint for the whole tree (`npm run lint`, part of `npm test`): the recommended JavaScript,
// TypeScript and Svelte rules, and the boundaries between runtimes that DESIGN.md sets, as
// errors. test/lint/boundaries.test.ts proves each boundary rule fires on a fixture that breaks it.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Globals that exist only in a browser page or only in Node: core/ uses neither. */
const HOST_GLOBALS = [
  ...[
    'window',
    'document',
    'navigator',
    'location',
    'localStorage',
    'sessionStorage',
    'self',
    'HTMLElement',
    'HTMLCanvasElement',
    'Element',
    'Image',
    'ImageData',
    'ImageBitmap',
    'OffscreenCanvas',
  ],
  ...['createImageBitmap', 'requestAnimationFrame', 'Worker', 'postMessage', 'fetch', 'Blob', 'File', 'URL'],
  ...['process', 'Buffer', 'require', 'module', '__dirname', '__filename', 'global', 'setImmediate'],
].map((name) => ({
  name,
  message: 'core/ runs in a worker, in Node and in the browser alike: no DOM or Node globals (pass what is needed in).',
}));

/** The renderer (page and workers alike) sees the desktop only through the IPC contract's types. */
const RENDERER_ELECTRON_PATTERNS = [
  {
    group: ['**/electron/**', '!**/electron/shared/ipc-contract.js'],
    message: 'The renderer imports from electron/ only the IPC contract (electron/shared/ipc-contract.ts), and only its types.',
  },
  {
    group: ['**/electron/shared/ipc-contract.js'],
    allowTypeImports: true,
    message: 'The renderer imports only types from the IPC contract (import type): its values belong to main and the preload.',
  },
];

const NO_ELECTRON_MODULE = {
  name: 'electron',
  message: 'The renderer has no Node and no Electron: it sees the desktop only through window.studio.',
};

/** Where renderer code runs: the main thread (UI, state, hosts, worker proxies), the workers, and shared pure helpers. */
const MAIN_THREAD = ['renderer/src/ui/**', 'renderer/src/state/**', 'renderer/src/host/**', 'renderer/src/bridge/**'];

export default defineConfig(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'build/**',
      'release/**',
      'test-results/**',
      'playwright-report/**',
      'core/kernels/generated/**',
      'core/kernels/assembly/**',
      'test/fixtures/lint/**',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  svelte.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // The state classes keep caches in plain Maps on purpose (nothing renders from them), and
      // workers must be created with `new URL(…, import.meta.url)` for Vite to bundle them.
      'svelte/prefer-svelte-reactivity': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  // Where each file runs decides its globals.
  {
    files: ['renderer/src/**', 'test/e2e/worker-harness/**', 'test/e2e/codec-harness/**'],
    languageOptions: { globals: { ...globals.browser, ...globals.worker } },
  },
  { files: ['electron/**', 'scripts/**', 'test/**', '*.config.*', 'renderer/vite.config.ts'], languageOptions: { globals: globals.node } },

  // ---------------------------------------------------------------------------------------------
  // Boundaries (DESIGN.md "Layout"): each folder one runtime and one concern.
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...HOST_GLOBALS],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'core/ is pure: no Node modules (it also runs in the browser).' },
            {
              group: [
                'fs',
                'fs/*',
                'path',
                'os',
                'url',
                'crypto',
                'worker_threads',
                'child_process',
                'util',
                'stream',
                'http',
                'buffer',
                'zlib',
                'sharp',
              ],
              message: 'core/ is pure: no Node modules (it also runs in the browser).',
            },
            {
              group: ['electron', '**/electron/**'],
              message: 'core/ imports nothing from electron/ (the Node side builds on core, not the reverse).',
            },
            { group: ['**/renderer/**', 'svelte', 'svelte/*', 'comlink'], message: 'core/ imports nothing from the renderer.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [NO_ELECTRON_MODULE],
          patterns: [...RENDERER_ELECTRON_PATTERNS],
        },
      ],
    },
  },
  {
    files: MAIN_THREAD.map((glob) => `${glob}/*.{ts,svelte}`).concat(MAIN_THREAD),
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [NO_ELECTRON_MODULE],
          patterns: [
            ...RENDERER_ELECTRON_PATTERNS,
            {
              group: ['**/workers/**'],
              allowTypeImports: true,
              message:
                'Main-thread code imports worker modules with `import type` only (a value import would bundle the worker into the page).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/src/workers/**/*.ts', 'renderer/src/shared/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [NO_ELECTRON_MODULE],
          patterns: [
            ...RENDERER_ELECTRON_PATTERNS,
            {
              group: ['**/ui/**', '**/state/**', '**/host/**', '**/bridge/**', 'svelte', 'svelte/*'],
              message: 'Workers and shared helpers do not import main-thread code (UI, state, hosts, worker proxies).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/src/shared/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'self', 'postMessage', 'requestAnimationFrame'].map((name) => ({
          name,
          message: 'renderer/src/shared/ is pure: it runs on the main thread, in workers and in Node tests.',
        })),
      ],
    },
  },
  {
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts', 'electron/shared/**/*.ts', 'electron/io/**/*.ts', 'electron/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/renderer/**'], message: 'The Node side never imports the renderer (it serves dist/renderer as files).' },
          ],
        },
      ],
    },
  },
);
