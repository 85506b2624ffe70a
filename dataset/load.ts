/**
 * Node-only: finds and reads the ticket CSV. Paths resolve against the repo
 * root (not the cwd) so scripts and tests work from any directory.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ticketsFromCsv, type TicketsFromCsv } from "./tickets.ts";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const FULL_DATASET_NAME = "aa_dataset-tickets-multi-lang-5-2-50-version.csv";
export const FULL_DATASET_PATH = resolve(REPO_ROOT, "dataset/data", FULL_DATASET_NAME);
/** Read in place from the shared folder; never copied into the repo. */
export const SAMPLE_DATASET_PATH = resolve(REPO_ROOT, "../shared/dataset/tickets-sample.csv");

/** TICKETS_CSV wins; then the full file if dataset:fetch has run; else the sample. */
export function resolveTicketsPath(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env.TICKETS_CSV;
  if (fromEnv) return resolve(fromEnv);
  return existsSync(FULL_DATASET_PATH) ? FULL_DATASET_PATH : SAMPLE_DATASET_PATH;
}

export type LoadedTickets = TicketsFromCsv & { path: string };

export async function loadTickets(path?: string): Promise<LoadedTickets> {
  const used = path ? resolve(path) : resolveTicketsPath();
  const text = await readFile(used, "utf8");
  return { ...ticketsFromCsv(text), path: used };
}
