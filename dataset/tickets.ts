/**
 * Turns the ticket CSV into Ticket records. Runtime-neutral: takes text, so the
 * trainer (Node) and any Worker-side tooling share one mapping.
 */
import { DEFAULT_MAPPING } from "../training/taxonomy.ts";
import { parseCsv } from "./csv.ts";
import { CategoryNameSchema, type Mapping } from "./mapping.ts";

export type Ticket = {
  subject: string;
  body: string;
  /** The label column's value (the dataset's queue). */
  queue: string;
  priority: string;
  language: string;
  /** The routing category the mapping gives the queue. */
  category: string;
};

export type Skipped = {
  /** Empty or missing label (queue) cell. */
  missingQueue: number;
  missingBody: number;
  /** Labels the mapping drops (`"unmapped": "drop"`). */
  unmapped: number;
};

export type TicketsFromCsv = {
  tickets: Ticket[];
  skipped: Skipped;
  /** Data records seen (header and blank lines excluded), kept + skipped. */
  rows: number;
};

/**
 * The source file stores line breaks as the two characters backslash + n
 * (and once as backslash-r backslash-n); models should see real newlines.
 */
export function unescapeNewlines(s: string): string {
  return s.replace(/\\r\\n|\\n/g, "\n");
}

/** Columns are found by header name (trimmed, case-insensitive), so their order never matters. */
export function ticketsFromCsv(text: string, mapping: Mapping = DEFAULT_MAPPING): TicketsFromCsv {
  const [header, ...records] = parseCsv(text);
  if (!header) throw new Error("ticket CSV is empty: no header row");

  const index = new Map(header.map((name, i) => [name.trim().toLowerCase(), i]));
  const { columns } = mapping;
  for (const [role, name] of [["body", columns.body], ["label", columns.label]] as const) {
    if (!index.has(name.toLowerCase())) {
      const hint = mapping === DEFAULT_MAPPING ? "" : ` (the mapping's columns.${role})`;
      throw new Error(`ticket CSV lacks a "${name}" column${hint} (header: ${header.join(",")})`);
    }
  }
  for (const role of ["subject", "language", "priority"] as const) {
    const name = columns[role];
    // The default mapping tolerates files without them (the extra file has no tags either);
    // a team's mapping that names a column must name one that exists.
    if (name !== undefined && mapping !== DEFAULT_MAPPING && !index.has(name.toLowerCase())) {
      throw new Error(`ticket CSV lacks a "${name}" column (the mapping's columns.${role}) (header: ${header.join(",")})`);
    }
  }
  const column = (record: string[], name: string | undefined): string => {
    const i = name === undefined ? undefined : index.get(name.toLowerCase());
    return i === undefined ? "" : (record[i] ?? "");
  };

  const tickets: Ticket[] = [];
  const skipped: Skipped = { missingQueue: 0, missingBody: 0, unmapped: 0 };
  let rows = 0;
  for (const record of records) {
    if (record.length === 1 && record[0] === "") continue; // blank line
    rows++;
    const queue = column(record, columns.label).trim();
    if (!queue) {
      skipped.missingQueue++;
      continue;
    }
    const body = unescapeNewlines(column(record, columns.body));
    if (!body.trim()) {
      skipped.missingBody++;
      continue;
    }
    const category = categoryFor(mapping, queue, rows);
    if (category === null) {
      skipped.unmapped++;
      continue;
    }
    tickets.push({
      subject: unescapeNewlines(column(record, columns.subject)),
      body,
      queue,
      priority: column(record, columns.priority).trim(),
      language: column(record, columns.language).trim(),
      category,
    });
  }
  return { tickets, skipped, rows };
}

function categoryFor(mapping: Mapping, queue: string, row: number): string | null {
  if (mapping.categories !== "label") {
    return mapping.categories[queue] ?? (mapping.unmapped === "drop" || mapping.unmapped === undefined ? null : mapping.unmapped.category);
  }
  // The label becomes a category name as it stands, so it must be a valid one.
  const parsed = CategoryNameSchema.safeParse(queue);
  if (!parsed.success) throw new Error(`ticket CSV data row ${row}: label "${queue}" cannot be a category: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}
