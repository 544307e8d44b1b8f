/** A table: a header row and body rows of cell text; columns whose cells look numeric align right. */
export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

const NUMERIC = /^[\s+\-−]*[\d.]+(e[+-]?\d+)?\s*(%|×|s|µs|GB\/s|B|MB)?$/i;

function rightAligned(table: Table): boolean[] {
  return table.headers.map((_, c) => {
    const cells = table.rows.map((r) => r[c] ?? '').filter((v) => v !== '' && v !== '—');
    return cells.length > 0 && cells.every((v) => NUMERIC.test(v));
  });
}

/**
 * The table as fixed-width text for a terminal, with a rule under the header.
 *
 * @example
 * console.log(formatTable({ headers: ['optimizer', 'acc'], rows: [['Adam', '95.1 %']] }));
 */
export function formatTable(table: Table): string {
  const widths = table.headers.map((h, c) => Math.max(h.length, ...table.rows.map((r) => (r[c] ?? '').length)));
  const right = rightAligned(table);
  const line = (cells: readonly string[]) =>
    cells
      .map((v, c) => (right[c] ? v.padStart(widths[c]!) : v.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(table.headers), widths.map((w) => '─'.repeat(w)).join('  '), ...table.rows.map(line)].join('\n');
}

/**
 * The table as GitHub-flavoured Markdown (`|` in cells escaped).
 *
 * @example
 * writeFileSync('table.md', markdownTable(table));
 */
export function markdownTable(table: Table): string {
  const right = rightAligned(table);
  const esc = (v: string) => v.replaceAll('|', '\\|');
  return [
    `| ${table.headers.map(esc).join(' | ')} |`,
    `| ${right.map((r) => (r ? '---:' : '---')).join(' | ')} |`,
    ...table.rows.map((r) => `| ${table.headers.map((_, c) => esc(r[c] ?? '')).join(' | ')} |`),
  ].join('\n');
}

/** A number in engineering notation with 3 significant digits (`1.23e8`), or `—` when absent. */
export function sci(x: number | undefined | null): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return '—';
  const [m, e] = x.toExponential(2).split('e');
  return `${m}e${Number(e)}`;
}

/** A ratio as `1.23×` (2 significant decimals below 10, 1 above), or `—`. */
export function ratio(x: number | undefined | null): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return '—';
  return `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
}

/** A fraction as a percentage with one decimal, or `—`. */
export function percent(x: number | undefined | null, digits = 1): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return '—';
  return `${(x * 100).toFixed(digits)} %`;
}
