/** A cell as given: absent values print as `-`. */
export type Cell = string | number | boolean | null | undefined;

/** One column of a table. */
export interface Column<T> {
  header: string;
  value: (row: T) => Cell;
  /** Numbers read better right-aligned. Default left. */
  align?: 'left' | 'right';
  /** Longer cells are cut to this many characters, ending in `…`. */
  maxWidth?: number;
}

export interface TableOptions {
  /** Print the header row (default true). */
  header?: boolean;
}

const GAP = '  ';

/** Code points, so an accented name does not push its row out of line. */
function width(text: string): number {
  return [...text].length;
}

function cellText(cell: Cell, maxWidth: number | undefined): string {
  // One line per row: a multi-line error message would break the columns.
  const text = cell === null || cell === undefined || cell === '' ? '-' : String(cell).replace(/\s*[\r\n]+\s*/g, ' ');
  if (maxWidth === undefined || width(text) <= maxWidth) return text;
  return [...text].slice(0, Math.max(1, maxWidth - 1)).join('') + '…';
}

function pad(text: string, to: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, to - width(text)));
  return align === 'right' ? fill + text : text + fill;
}

/**
 * Rows as aligned columns separated by two spaces, header first, each line
 * ending in a newline and no trailing spaces.
 */
export function formatTable<T>(columns: readonly Column<T>[], rows: readonly T[], options: TableOptions = {}): string {
  const body = rows.map((row) => columns.map((c) => cellText(c.value(row), c.maxWidth)));
  const lines = options.header === false ? body : [columns.map((c) => c.header), ...body];
  const widths = columns.map((_, i) => Math.max(0, ...lines.map((line) => width(line[i]!))));
  return lines
    .map((line) => line.map((text, i) => pad(text, widths[i]!, columns[i]!.align ?? 'left')).join(GAP).trimEnd() + '\n')
    .join('');
}

/** `label  value` lines for one object, labels aligned. */
export function formatPairs(pairs: readonly (readonly [string, Cell])[]): string {
  return formatTable<readonly [string, Cell]>(
    [
      { header: '', value: ([label]) => `${label}:` },
      { header: '', value: ([, value]) => value },
    ],
    pairs,
    { header: false },
  );
}

/** `2026-01-08T10:00:00.000Z` as `2026-01-08 10:00:00Z`: short enough for a column, still UTC and sortable. */
export function formatTime(iso: string | null | undefined): string | null {
  if (!iso) return null;
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
