/**
 * Agents' category corrections as training rows (`train:m1 -- --corrections file`).
 *
 * The file is what `npm run corrections:export` writes: a CSV with the header
 * `ticket_id,subject,body,category,previous_category,agent,corrected_at`, one row per
 * correction. A ticket corrected twice keeps only its newest correction (by corrected_at;
 * on equal times the later row). A corrected ticket whose exact subject + body is already a
 * training row relabels that row (every such row); any other is added as a new row.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { z } from "zod";
import { parseCsv } from "../dataset/csv.ts";
import { REPO_ROOT } from "../dataset/load.ts";
import { CategoryNameSchema, firstIssue } from "../dataset/mapping.ts";
import { unescapeNewlines } from "../dataset/tickets.ts";
import { ticketText } from "../src/ml/text.ts";
import type { TrainingData } from "./data.ts";

export const CORRECTIONS_HEADER = ["ticket_id", "subject", "body", "category", "previous_category", "agent", "corrected_at"] as const;

const CorrectionRowSchema = z.object({
  ticket_id: z.string().trim().min(1, "ticket_id is empty"),
  subject: z.string(),
  body: z.string().refine((b) => b.trim().length > 0, "body is empty"),
  category: CategoryNameSchema,
  previous_category: z.string().trim(),
  agent: z.string().trim(),
  corrected_at: z
    .string()
    .trim()
    .refine((t) => /^\d{4}-\d{2}-\d{2}T/.test(t) && Number.isFinite(Date.parse(t)), "corrected_at must be an ISO 8601 date-time"),
});

export type Correction = z.output<typeof CorrectionRowSchema> & { correctedMs: number };

export type CorrectionsFile = {
  /** Newest correction per ticket, in the order their tickets first appear in the file. */
  corrections: Correction[];
  /** Data rows read. */
  rows: number;
  /** Older corrections of a ticket that a newer one replaced. */
  superseded: number;
};

export class CorrectionsError extends Error {
  override readonly name = "CorrectionsError";
  constructor(source: string, problem: string) {
    super(`corrections file ${source}: ${problem}`);
  }
}

/** Parses the corrections CSV text; `source` names the file in every error. */
export function parseCorrections(text: string, source: string): CorrectionsFile {
  let records: string[][];
  try {
    records = parseCsv(text);
  } catch (error) {
    throw new CorrectionsError(source, (error as Error).message);
  }
  const [header, ...data] = records;
  if (!header) throw new CorrectionsError(source, `empty: expected the header ${CORRECTIONS_HEADER.join(",")}`);
  const index = new Map(header.map((h, i) => [h.trim().toLowerCase(), i]));
  const missing = CORRECTIONS_HEADER.filter((c) => !index.has(c));
  if (missing.length > 0) throw new CorrectionsError(source, `header lacks ${missing.join(", ")} (expected ${CORRECTIONS_HEADER.join(",")})`);

  const newest = new Map<string, Correction>();
  let rows = 0;
  let superseded = 0;
  for (const record of data) {
    if (record.length === 1 && record[0] === "") continue; // blank line
    rows++;
    const raw = Object.fromEntries(CORRECTIONS_HEADER.map((c) => [c, record[index.get(c)!] ?? ""]));
    const parsed = CorrectionRowSchema.safeParse(raw);
    if (!parsed.success) throw new CorrectionsError(source, `data row ${rows}: ${firstIssue(parsed.error)}`);
    const c: Correction = {
      ...parsed.data,
      subject: unescapeNewlines(parsed.data.subject),
      body: unescapeNewlines(parsed.data.body),
      correctedMs: Date.parse(parsed.data.corrected_at),
    };
    const before = newest.get(c.ticket_id);
    if (before) superseded++;
    if (!before || c.correctedMs >= before.correctedMs) newest.set(c.ticket_id, c);
  }
  return { corrections: [...newest.values()], rows, superseded };
}

export async function loadCorrections(path: string): Promise<CorrectionsFile & { path: string; sha256: string }> {
  const used = resolve(path);
  let bytes: Buffer;
  try {
    bytes = await readFile(used);
  } catch (error) {
    throw new CorrectionsError(used, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return { ...parseCorrections(bytes.toString("utf8"), used), path: used, sha256: createHash("sha256").update(bytes).digest("hex") };
}

export type CorrectionsApplied = { relabelled: number; added: number; unchanged: number };

/**
 * The training data with the corrections in: matching rows relabelled, the others appended
 * as rows of one more file (so fileOf, and metrics.json's file list, name the corrections).
 * A correction to a category the data does not have is an error: it would add a class the
 * folds cannot stratify and the rest of the data never shows.
 */
export function applyCorrections(
  data: TrainingData,
  file: CorrectionsFile & { path: string; sha256: string },
): { data: TrainingData; applied: CorrectionsApplied } {
  const categories = [...new Set(data.labels)].sort();
  const key = (subject: string, body: string) => `${subject}\u0000${body}`;
  const rowsOf = new Map<string, number[]>();
  data.tickets.forEach((t, i) => {
    const k = key(t.subject, t.body);
    rowsOf.set(k, [...(rowsOf.get(k) ?? []), i]);
  });
  const tickets = data.tickets.map((t) => ({ ...t }));
  const labels = [...data.labels];
  const texts = [...data.texts];
  const fileOf = [...data.fileOf];
  const fileIndex = data.files.length;
  const applied: CorrectionsApplied = { relabelled: 0, added: 0, unchanged: 0 };
  for (const c of file.corrections) {
    if (!categories.includes(c.category)) {
      throw new CorrectionsError(file.path, `ticket ${c.ticket_id}: category "${c.category}" is not a category of the training data (${categories.join(", ")})`);
    }
    const matches = rowsOf.get(key(c.subject, c.body));
    if (matches) {
      for (const i of matches) {
        if (labels[i] === c.category) applied.unchanged++;
        else applied.relabelled++;
        labels[i] = c.category;
        tickets[i]!.category = c.category;
      }
      continue;
    }
    tickets.push({ subject: c.subject, body: c.body, queue: "", priority: "", language: "", category: c.category });
    labels.push(c.category);
    texts.push(ticketText(c.subject, c.body));
    fileOf.push(fileIndex);
    applied.added++;
  }
  const files = [
    ...data.files,
    { path: relative(REPO_ROOT, file.path), sha256: file.sha256, rows: applied.added, skipped: { missingQueue: 0, missingBody: 0, unmapped: 0 } },
  ];
  const sha256 = createHash("sha256").update(files.map((f) => f.sha256).join("\n")).digest("hex");
  return {
    data: { ...data, tickets, labels, texts, fileOf, files, path: files.map((f) => f.path).join(" + "), sha256 },
    applied,
  };
}
