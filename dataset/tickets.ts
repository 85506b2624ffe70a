/**
 * Turns the ticket CSV into Ticket records. Runtime-neutral: takes text, so the
 * trainer (Node) and any Worker-side tooling share one mapping.
 */
import { categoryForQueue, type Category } from "../src/ml/categories.ts";
import { parseCsv } from "./csv.ts";

export type Ticket = {
  subject: string;
  body: string;
  queue: string;
  priority: string;
  language: string;
  category: Category;
};

export type TicketsFromCsv = {
  tickets: Ticket[];
  skipped: { missingQueue: number; missingBody: number };
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

export function ticketsFromCsv(text: string): TicketsFromCsv {
  const [header, ...records] = parseCsv(text);
  if (!header) throw new Error("ticket CSV is empty: no header row");

  const index = new Map(header.map((name, i) => [name.trim().toLowerCase(), i]));
  for (const required of ["body", "queue"]) {
    if (!index.has(required)) throw new Error(`ticket CSV lacks a "${required}" column (header: ${header.join(",")})`);
  }
  const column = (record: string[], name: string): string => {
    const i = index.get(name);
    return i === undefined ? "" : (record[i] ?? "");
  };

  const tickets: Ticket[] = [];
  const skipped = { missingQueue: 0, missingBody: 0 };
  let rows = 0;
  for (const record of records) {
    if (record.length === 1 && record[0] === "") continue; // blank line
    rows++;
    const queue = column(record, "queue").trim();
    if (!queue) {
      skipped.missingQueue++;
      continue;
    }
    const body = unescapeNewlines(column(record, "body"));
    if (!body.trim()) {
      skipped.missingBody++;
      continue;
    }
    tickets.push({
      subject: unescapeNewlines(column(record, "subject")),
      body,
      queue,
      priority: column(record, "priority").trim(),
      language: column(record, "language").trim(),
      category: categoryForQueue(queue),
    });
  }
  return { tickets, skipped, rows };
}
