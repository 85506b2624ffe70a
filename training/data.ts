/**
 * The trainer's view of the dataset: ticket texts and categories, plus the facts
 * metrics.json records about the file(s) (path, sha256, counts).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { EXTRA_DATASET_PATH, loadTickets, REPO_ROOT, SAMPLE_DATASET_PATH } from "../dataset/load.ts";
import type { Mapping } from "../dataset/mapping.ts";
import type { Skipped, Ticket } from "../dataset/tickets.ts";
import { ticketText } from "../src/ml/text.ts";

export type { Skipped };

/** What train:m1 (and train:m2) read without --data: the sample, then the 989 extra tickets in five languages. */
export const DEFAULT_TRAINING_FILES: readonly string[] = [SAMPLE_DATASET_PATH, EXTRA_DATASET_PATH];

/** train:m1 without --data: TICKETS_CSV alone when set (as every trainer honours it), else DEFAULT_TRAINING_FILES. */
export function defaultM1Files(env: Record<string, string | undefined> = process.env): readonly string[] {
  return env.TICKETS_CSV ? [env.TICKETS_CSV] : DEFAULT_TRAINING_FILES;
}

export type TrainingData = {
  tickets: Ticket[];
  texts: string[];
  labels: string[];
  /** Relative to the repo root, as metrics.json records it; files joined by " + ". */
  path: string;
  /** Of the one file, or for several the sha256 of their sha256s in order. */
  sha256: string;
  skipped: Skipped;
  /** Each file read, in order; tickets are these files' rows concatenated. */
  files: { path: string; sha256: string; rows: number; skipped: Skipped }[];
  /** Index into `files` of each ticket. */
  fileOf: number[];
};

export async function loadTrainingData(path?: string): Promise<TrainingData> {
  return loadTrainingFiles(path === undefined ? [undefined] : [path]);
}

/**
 * Several ticket files as one data set, in the order given (undefined: the default
 * file, see dataset/load.ts). The order fixes the row numbers, and so the embedding
 * cache key and the folds, so callers pass the same order every time.
 */
export async function loadTrainingFiles(paths: readonly (string | undefined)[], mapping?: Mapping): Promise<TrainingData> {
  if (paths.length === 0) throw new Error("loadTrainingFiles: no ticket file given");
  const files: TrainingData["files"] = [];
  const tickets: Ticket[] = [];
  const fileOf: number[] = [];
  for (const p of paths) {
    const loaded = await loadTickets(p, mapping);
    const sha256 = createHash("sha256").update(await readFile(loaded.path)).digest("hex");
    loaded.tickets.forEach((t) => {
      tickets.push(t);
      fileOf.push(files.length);
    });
    files.push({ path: relative(REPO_ROOT, loaded.path), sha256, rows: loaded.tickets.length, skipped: loaded.skipped });
  }
  const sha256 =
    files.length === 1 ? files[0]!.sha256 : createHash("sha256").update(files.map((f) => f.sha256).join("\n")).digest("hex");
  return {
    tickets,
    texts: tickets.map((t) => ticketText(t.subject, t.body)),
    labels: tickets.map((t) => t.category),
    path: files.map((f) => f.path).join(" + "),
    sha256,
    skipped: {
      missingQueue: files.reduce((s, f) => s + f.skipped.missingQueue, 0),
      missingBody: files.reduce((s, f) => s + f.skipped.missingBody, 0),
      unmapped: files.reduce((s, f) => s + f.skipped.unmapped, 0),
    },
    files,
    fileOf,
  };
}
