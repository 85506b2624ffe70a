/**
 * The benches' plain-text table: columns right-aligned when the header starts with ">"
 * (numbers), left otherwise; two spaces of indent, three between columns.
 */
export function table(headers: string[], rows: string[][]): void {
  const right = headers.map((h) => h.startsWith(">"));
  const names = headers.map((h) => h.replace(/^>/, ""));
  const widths = names.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => "  " + r.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("   ");
  console.log(line(names));
  console.log(line(widths.map((w) => "─".repeat(w))));
  for (const r of rows) console.log(line(r));
}
