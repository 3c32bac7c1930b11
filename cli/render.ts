import Table from 'cli-table3';

/** A plain table for people. Wraps long cells; no colours (logs and CI read it too). */
export function table(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  widths?: readonly number[],
): string {
  const t = new Table({
    head: [...head],
    style: { head: [], border: [] },
    wordWrap: true,
    wrapOnWordBoundary: true,
    ...(widths ? { colWidths: [...widths] } : {}),
  });
  for (const r of rows) t.push([...r]);
  return t.toString();
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
}
