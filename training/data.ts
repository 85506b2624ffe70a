/**
 * The trainer's view of the dataset: ticket texts and categories, plus the facts
 * metrics.json records about the file (path, sha256, counts).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { loadTickets, REPO_ROOT } from "../dataset/load.ts";
import type { Ticket } from "../dataset/tickets.ts";
import { ticketText } from "../src/ml/text.ts";

export type TrainingData = {
  tickets: Ticket[];
  texts: string[];
  labels: string[];
  /** Relative to the repo root, as metrics.json records it. */
  path: string;
  sha256: string;
  skipped: { missingQueue: number; missingBody: number };
};

export async function loadTrainingData(path?: string): Promise<TrainingData> {
  const loaded = await loadTickets(path);
  const sha256 = createHash("sha256").update(await readFile(loaded.path)).digest("hex");
  return {
    tickets: loaded.tickets,
    texts: loaded.tickets.map((t) => ticketText(t.subject, t.body)),
    labels: loaded.tickets.map((t) => t.category),
    path: relative(REPO_ROOT, loaded.path),
    sha256,
    skipped: loaded.skipped,
  };
}
