/**
 * Node-only: finds and reads the ticket CSV. Paths resolve against the repo
 * root (not the cwd) so scripts and tests work from any directory.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MappingError, parseMapping, type Mapping } from "./mapping.ts";
import { ticketsFromCsv, type TicketsFromCsv } from "./tickets.ts";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const FULL_DATASET_NAME = "aa_dataset-tickets-multi-lang-5-2-50-version.csv";
export const FULL_DATASET_PATH = resolve(REPO_ROOT, "dataset/data", FULL_DATASET_NAME);
/** Read in place from the shared folder; never copied into the repo. */
export const SAMPLE_DATASET_PATH = resolve(REPO_ROOT, "../shared/dataset/tickets-sample.csv");
/**
 * 989 more tickets of the same dataset family in five languages (no version or tag
 * columns, which nothing here reads); train:m2 reads it beside the sample by default.
 */
export const EXTRA_DATASET_PATH = resolve(REPO_ROOT, "../shared/dataset/tickets-extra.csv");

/** TICKETS_CSV wins; then the full file if dataset:fetch has run; else the sample. */
export function resolveTicketsPath(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env.TICKETS_CSV;
  if (fromEnv) return resolve(fromEnv);
  return existsSync(FULL_DATASET_PATH) ? FULL_DATASET_PATH : SAMPLE_DATASET_PATH;
}

export type LoadedTickets = TicketsFromCsv & { path: string };

/**
 * The ticket file is not there. Its message is the whole story (which file, how to get
 * it), so a CLI prints just the message: a stack trace would bury the one thing to do.
 */
export class DatasetMissingError extends Error {
  override readonly name = "DatasetMissingError";
  readonly path: string;
  constructor(path: string) {
    super(missingDatasetMessage(path));
    this.path = path;
  }
}

/** What to say when `path` does not exist; the default sample gets the full directions. */
export function missingDatasetMessage(path: string): string {
  const lines = [`Ticket data not found: ${path}`];
  if (path === SAMPLE_DATASET_PATH) {
    lines.push(
      "The 1,872-row sample is read in place from the shared folder beside the repo " +
        "(../shared/dataset/tickets-sample.csv) and never copied in (licence CC BY-NC 4.0). Either:",
      "  - put the shared folder next to the repo, so ../shared/dataset/tickets-sample.csv exists;",
      "  - or run `npm run dataset:fetch` to download the full 28,587-row file into dataset/data/ (used when present);",
      "  - or set TICKETS_CSV (or pass --data) to a ticket CSV you have.",
    );
  } else {
    lines.push(
      "It came from --data, TICKETS_CSV or the caller: check the path, or leave both unset to use " +
        "the full file (`npm run dataset:fetch`) or the shared sample (../shared/dataset/tickets-sample.csv).",
    );
  }
  return lines.join("\n");
}

/** mapping: how the file's columns and labels become tickets (default: the dataset's own, training/taxonomy.ts). */
export async function loadTickets(path?: string, mapping?: Mapping): Promise<LoadedTickets> {
  const used = path ? resolve(path) : resolveTicketsPath();
  let text: string;
  try {
    text = await readFile(used, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new DatasetMissingError(used);
    throw error;
  }
  try {
    return { ...ticketsFromCsv(text, mapping), path: used };
  } catch (error) {
    // A CSV problem names the file it is in: with several --data files, "row 12" alone is no help.
    throw new Error(`${used}: ${(error as Error).message}`, { cause: error });
  }
}

/** Reads and validates a mapping file (dataset/mapping.ts); every error names the file. */
export async function loadMapping(path: string): Promise<Mapping> {
  const used = resolve(path);
  let text: string;
  try {
    text = await readFile(used, "utf8");
  } catch (error) {
    throw new MappingError(used, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseMapping(text, used);
}

/**
 * For a CLI's `.catch(...)`: a missing dataset ends the process with its message on
 * stderr and exit code 1, no stack trace; any other error propagates unchanged.
 */
export function exitIfDatasetMissing(error: unknown): never {
  if (!(error instanceof DatasetMissingError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
