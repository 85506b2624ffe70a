/**
 * Tokenizes texts the way the Worker will for the M2 encoder, so training
 * scripts and ad-hoc checks get exactly the ids served in production.
 *
 *   npm run --silent tokenize -- [--max-length N | --no-truncate] FILE
 *
 * FILE holds a JSON array of strings; stdout gets a JSON array of id arrays
 * and nothing else. Bad usage or input: message on stderr, exit code 2.
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { bundledVocab } from "../src/m2/vocab.ts";
import { DEFAULT_MAX_LENGTH, WordPieceTokenizer } from "../src/m2/wordpiece.ts";

const USAGE = "usage: tokenize [--max-length N | --no-truncate] FILE  (FILE: JSON array of strings)";

export class UsageError extends Error {}

export interface TokenizeArgs {
  file: string;
  maxLength: number | null;
}

export function parseTokenizeArgs(argv: readonly string[]): TokenizeArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { "max-length": { type: "string" }, "no-truncate": { type: "boolean" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(`expected one FILE, got ${positionals.length}`);
  if (values["no-truncate"] && values["max-length"] !== undefined) {
    throw new UsageError("--max-length and --no-truncate exclude each other");
  }
  let maxLength: number | null = values["no-truncate"] ? null : DEFAULT_MAX_LENGTH;
  if (values["max-length"] !== undefined) {
    const raw = values["max-length"];
    maxLength = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(maxLength >= 2)) throw new UsageError(`--max-length must be an integer of at least 2, got "${raw}"`);
  }
  return { file: positionals[0]!, maxLength };
}

export function readTexts(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(data)) throw new UsageError(`${file} must hold a JSON array of strings`);
  const bad = data.findIndex((item) => typeof item !== "string");
  if (bad >= 0) throw new UsageError(`${file}: element ${bad} is not a string`);
  return data as string[];
}

function main(argv: readonly string[]): number {
  try {
    const { file, maxLength } = parseTokenizeArgs(argv);
    const texts = readTexts(file);
    const tokenizer = new WordPieceTokenizer(bundledVocab());
    const ids = texts.map((text) => tokenizer.encode(text, { maxLength }).inputIds);
    process.stdout.write(`${JSON.stringify(ids)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`tokenize: ${error.message}\n${USAGE}\n`);
    return 2;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) process.exitCode = main(process.argv.slice(2));
