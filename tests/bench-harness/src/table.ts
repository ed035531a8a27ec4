/** Formatting of the benches' figures and tables (fixed-width text columns). */
import type { BaselineRatios, VariantResult } from './measure.js';
import { sumCell } from './sums.js';

/** Pads on the right to `w` characters (never truncates). */
export const pad = (s: string, w: number): string => (s.length >= w ? s : s + ' '.repeat(w - s.length));
/** Pads on the left to `w` characters (never truncates). */
export const lpad = (s: string, w: number): string => (s.length >= w ? s : ' '.repeat(w - s.length) + s);
/** Milliseconds: one decimal below 100 ms, none above; `-` when not measured. */
export const fmtMs = (ms: number): string => (Number.isFinite(ms) ? ms.toFixed(ms < 100 ? 1 : 0) : '-');
/** A ratio as `1.23x`; empty when not measured. */
export const fmtRatio = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}x` : '');
/** An integer with thousands separators (`20,000`). */
export const fmtInt = (n: number): string => n.toLocaleString('en-US');

/** One column: a header, a width and alignment, and how a row fills it. */
export interface Column<R> {
  readonly header: string;
  /** Width the header and the cells are padded to; 0 or absent: not padded (a last, free-text column). */
  readonly width?: number;
  /** `right` for figures; `left` (the default) for text. */
  readonly align?: 'left' | 'right';
  /** Text put before the header and every cell (e.g. two spaces before a free-text column). */
  readonly gap?: string;
  readonly cell: (row: R) => string;
}

export interface TableOptions {
  /** Put before every line (header included). */
  readonly indent?: string;
  /** A dashed rule under the header, this many characters longer than it; false: no rule. Default 4. */
  readonly rule?: number | false;
  /** Where lines go; default console.log. */
  readonly print?: (line: string) => void;
}

function cellText<R>(column: Column<R>, text: string): string {
  const width = column.width ?? 0;
  return (column.gap ?? '') + (column.align === 'right' ? lpad(text, width) : pad(text, width));
}

/** The table as lines: header, optional rule, one line per row. */
export function tableLines<R>(columns: readonly Column<R>[], rows: readonly R[], options: Omit<TableOptions, 'print'> = {}): string[] {
  const indent = options.indent ?? '';
  const rule = options.rule ?? 4;
  const header = columns.map((c) => cellText(c, c.header)).join('');
  const lines = [indent + header];
  if (rule !== false) lines.push(indent + '-'.repeat(header.length + rule));
  for (const row of rows) lines.push(indent + columns.map((c) => cellText(c, c.cell(row))).join(''));
  return lines;
}

/** Prints tableLines. */
export function printTable<R>(columns: readonly Column<R>[], rows: readonly R[], options: TableOptions = {}): void {
  const print = options.print ?? ((line: string) => console.log(line));
  for (const line of tableLines(columns, rows, options)) print(line);
}

/** The line above a workload's table: `\nCPU  title  (detail)`. */
export function workloadHeading(id: string, title: string, detail: string): string {
  return `\n${id.toUpperCase()}  ${title}  (${detail})`;
}

/** A ratio cell: `(1.00)` on the row every ratio is relative to, else fmtRatio. */
export const ratioCell = (isReference: boolean, ratio: number): string => (isReference ? '(1.00)' : fmtRatio(ratio));

// The columns that the strategy benches' workload tables share.

/** `best ms` and `median ms`. */
export const msColumns = (): Column<VariantResult>[] => [
  { header: 'best ms', width: 8, align: 'right', cell: (v) => fmtMs(v.bestMs) },
  { header: 'median ms', width: 10, align: 'right', cell: (v) => fmtMs(v.medianMs) },
];

/** `best tasks/s` and `median t/s`, formatted by `fmtRate`. */
export const rateColumns = (fmtRate: (rate: number) => string): Column<VariantResult>[] => [
  { header: 'best tasks/s', width: 13, align: 'right', cell: (v) => fmtRate(v.bestRate) },
  { header: 'median t/s', width: 11, align: 'right', cell: (v) => fmtRate(v.medianRate) },
];

/** `ratio best` and `ratio med.`: each variant against the baseline, `(1.00)` on the baseline's row. */
export const ratioColumns = (): Column<VariantResult & BaselineRatios>[] => [
  { header: 'ratio best', width: 11, align: 'right', cell: (v) => ratioCell(v.role === 'baseline', v.ratioBest) },
  { header: 'ratio med.', width: 11, align: 'right', cell: (v) => ratioCell(v.role === 'baseline', v.ratioMedian) },
];

/** The last column, `sum`: `ok`, `WRONG (…)` or `ERROR: …`. */
export const sumColumn = (expected: number): Column<VariantResult> => ({ header: 'sum', gap: '  ', cell: (v) => sumCell(v, expected) });
