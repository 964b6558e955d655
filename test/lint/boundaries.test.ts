/**
 * The lint boundaries (eslint.config.js) fire: each fixture in test/fixtures/lint/ breaks one
 * rule and is linted as if it sat where its first line says (core/, the renderer's host or UI,
 * electron/main/); ESLint must report that rule. And what the boundaries allow stays allowed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/lint/', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** The fixture's text and the path it is linted at (from its first line: "Linted as <path>: …"). */
function fixture(name: string): { text: string; filePath: string } {
  const text = readFileSync(fixtures + name, 'utf8');
  const match = /^\/\/ Linted as (\S+):/.exec(text);
  if (!match) throw new Error(`${name} must start with "// Linted as <path>:"`);
  return { text, filePath: root + match[1] };
}

async function problems(name: string): Promise<{ ruleId: string | null; message: string }[]> {
  const { text, filePath } = fixture(name);
  const [result] = await eslint.lintText(text, { filePath });
  return result.messages.map(({ ruleId, message }) => ({ ruleId, message }));
}

describe('lint boundaries', () => {
  it.each([
    ['core-imports-node.ts', '@typescript-eslint/no-restricted-imports', /no Node modules/],
    ['core-imports-node-bare.ts', '@typescript-eslint/no-restricted-imports', /no Node modules/],
    ['core-uses-dom.ts', 'no-restricted-globals', /no DOM or Node globals/],
    ['core-imports-electron.ts', '@typescript-eslint/no-restricted-imports', /imports nothing from electron/],
    ['core-imports-renderer.ts', '@typescript-eslint/no-restricted-imports', /imports nothing from the renderer/],
    ['renderer-imports-contract-value.ts', '@typescript-eslint/no-restricted-imports', /only types from the IPC contract/],
    ['renderer-imports-main.ts', '@typescript-eslint/no-restricted-imports', /only the IPC contract/],
    ['main-imports-renderer.ts', '@typescript-eslint/no-restricted-imports', /never imports the renderer/],
    ['ui-imports-worker-value.ts', '@typescript-eslint/no-restricted-imports', /import type` only/],
  ])('%s is reported', async (name, ruleId, message) => {
    const found = await problems(name);
    expect(found, JSON.stringify(found)).toContainEqual({ ruleId, message: expect.stringMatching(message) });
  });

  it('type imports of a worker and of the contract from the UI are allowed', async () => {
    expect(await problems('allowed.ts')).toEqual([]);
  });

  it('every fixture is exercised', () => {
    expect(readdirSync(fixtures).sort()).toEqual(
      [
        'allowed.ts',
        'core-imports-electron.ts',
        'core-imports-node-bare.ts',
        'core-imports-node.ts',
        'core-imports-renderer.ts',
        'core-uses-dom.ts',
        'main-imports-renderer.ts',
        'renderer-imports-contract-value.ts',
        'renderer-imports-main.ts',
        'ui-imports-worker-value.ts',
      ].sort(),
    );
  });
});
