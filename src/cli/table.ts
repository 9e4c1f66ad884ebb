/** Plain-text tables for a terminal: aligned columns, colour only when asked (stdout is a TTY). */

export type Style = 'red' | 'yellow' | 'green' | 'bold' | 'dim';

const CODES: Record<Style, [number, number]> = {
  red: [31, 39],
  yellow: [33, 39],
  green: [32, 39],
  bold: [1, 22],
  dim: [2, 22],
};

export interface Column<R> {
  header: string;
  value: (row: R) => string;
  align?: 'left' | 'right';
  style?: (row: R) => Style | undefined;
  /** May be cut short (with …) when the table is wider than the terminal. */
  shrink?: boolean;
}

export interface RenderOptions {
  color: boolean;
  /** The terminal's width; undefined: never cut anything short (output to a pipe or file). */
  width?: number;
}

const GAP = '  ';
const MIN_SHRUNK = 12;

export function paint(text: string, style: Style | undefined, color: boolean): string {
  if (!color || !style || text === '') return text;
  const [on, off] = CODES[style];
  return `\u001b[${on}m${text}\u001b[${off}m`;
}

/** Display width in code points (the data here is Latin script; no wide characters). */
const width = (s: string) => [...s].length;

function cut(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

export function renderTable<R>(
  rows: readonly R[],
  columns: readonly Column<R>[],
  opts: RenderOptions,
): string {
  const cells = rows.map((r) => columns.map((c) => oneLine(c.value(r))));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((row) => width(row[i] ?? ''))));
  if (opts.width !== undefined) fitColumns(widths, columns, opts.width);
  const line = (values: string[], styles: (Style | undefined)[]) =>
    values
      .map((v, i) => {
        const w = widths[i] ?? 0;
        const text = cut(v, w);
        const pad = ' '.repeat(w - width(text));
        const padded =
          columns[i]?.align === 'right'
            ? pad + paint(text, styles[i], opts.color)
            : paint(text, styles[i], opts.color) + (i === values.length - 1 ? '' : pad);
        return padded;
      })
      .join(GAP)
      .trimEnd();
  const header = line(
    columns.map((c) => c.header),
    columns.map(() => 'bold' as const),
  );
  const body = rows.map((r, n) =>
    line(
      cells[n] ?? [],
      columns.map((c) => c.style?.(r)),
    ),
  );
  return [header, ...body].join('\n');
}

/** Shrinks the shrinkable columns, widest first, until the table fits (or they are all at their minimum). */
function fitColumns<R>(widths: number[], columns: readonly Column<R>[], total: number): void {
  const tableWidth = () => widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
  while (tableWidth() > total) {
    let widest = -1;
    columns.forEach((c, i) => {
      if (
        c.shrink &&
        (widths[i] ?? 0) > MIN_SHRUNK &&
        (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0))
      )
        widest = i;
    });
    if (widest < 0) return;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
}

/** Label/value lines, labels aligned; a value may have a style. */
export function renderFields(
  fields: readonly (readonly [string, string, Style?])[],
  opts: { color: boolean; indent?: string },
): string {
  const w = Math.max(...fields.map(([k]) => width(k)));
  return fields
    .map(
      ([k, v, style]) =>
        `${opts.indent ?? ''}${k}${' '.repeat(w - width(k))}  ${paint(oneLine(v), style, opts.color)}`,
    )
    .join('\n');
}

/** Table cells are one line: control characters (a newline in a reason, an escape sequence) become spaces. */
export function oneLine(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}
