/** Number formats and the aligned plain-text tables the benchmark prints on stdout. */
import type { Timing } from './measure.js';

export const seconds = (value: number): string => value.toFixed(3);
export const range = (t: Timing): string => (t.runs === 1 ? '-' : `${seconds(t.min)}–${seconds(t.max)}`);
export const ratio = (value: number): string => value.toFixed(2);
export const megabytes = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
export const scientific = (value: number): string => value.toExponential(1);
export const yesNo = (met: boolean): string => (met ? 'yes' : 'NO');
/** "12 MP (2848×4272)" → "12 MP". */
export const shortLabel = (label: string): string => label.split(' (')[0];

export interface TableOptions {
  notes?: readonly string[];
  /** 'l' or 'r' per column; default: the first column left, the others right. */
  align?: string;
}

/** Prints an aligned plain-text table with a title, a header row and optional notes below. */
export function printTable(
  title: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): void {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const leftAligned = (column: number) => (options.align ? options.align[column] === 'l' : column === 0);
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (leftAligned(column) ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ')
      .trimEnd();
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
  for (const note of options.notes ?? []) console.log(`  ${note}`);
}
