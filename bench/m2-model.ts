/**
 * Which encoder bench:m2 measures and at what truncation. The real encoder
 * (all-MiniLM-L6-v2 int8, the unmodified wheel file) at models/m2/all-minilm-l6-v2-int8/model.onnx,
 * where `npm run models:setup` puts it, unless --model names another file. No model: the bench
 * cannot measure anything, which is a failure unless the caller said the bench is optional.
 */
import { existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { REPO_ROOT } from "../dataset/load.ts";
import { sha256Hex } from "../src/util/sha256.ts";

export const DEFAULT_MODEL_PATH = resolve(REPO_ROOT, "models/m2/all-minilm-l6-v2-int8/model.onnx");
export const HEADS_PATH = resolve(REPO_ROOT, "models/m2/heads.json");
/** sentence-transformers' max_seq_length for all-MiniLM-L6-v2: what the heads use unless heads.json says otherwise. */
export const DEFAULT_MAX_LENGTH = 256;
export const NO_MODEL_MESSAGE = "no model, run npm run models:setup (or pass --model PATH to an ONNX encoder)";

export type BenchModel = {
  path: string;
  bytes: Uint8Array;
  sha256: string;
  maxLength: number;
  /** Where maxLength came from, said in the report. */
  maxLengthSource: string;
};

export type ModelLookup = { found: true; model: BenchModel } | { found: false; path: string };

export async function resolveBenchModel(modelArg: string | undefined): Promise<ModelLookup> {
  const path = modelArg ? resolve(process.cwd(), modelArg) : DEFAULT_MODEL_PATH;
  if (!existsSync(path)) return { found: false, path: relative(REPO_ROOT, path) };
  const bytes: Uint8Array = readFileSync(path); // a Buffer: one copy, not two
  const sha256 = await sha256Hex(bytes);
  const shown = relative(REPO_ROOT, path).startsWith("..") ? path : relative(REPO_ROOT, path);
  return { found: true, model: { path: shown, bytes, sha256, ...maxLengthFor(sha256) } };
}

/** The heads' maxLength when the committed heads were trained on this very file, else 256. */
export function maxLengthFor(sha256: string, headsPath = HEADS_PATH): { maxLength: number; maxLengthSource: string } {
  try {
    const heads = JSON.parse(readFileSync(headsPath, "utf8")) as { encoder?: { sha256?: string; maxLength?: number } };
    if (heads.encoder?.sha256 === sha256 && Number.isInteger(heads.encoder.maxLength)) {
      return { maxLength: heads.encoder.maxLength!, maxLengthSource: "models/m2/heads.json (trained on this model)" };
    }
    return { maxLength: DEFAULT_MAX_LENGTH, maxLengthSource: `${DEFAULT_MAX_LENGTH}, sentence-transformers' max_seq_length (models/m2/heads.json is for encoder ${heads.encoder?.sha256?.slice(0, 12) ?? "?"}…, not this one)` };
  } catch {
    return { maxLength: DEFAULT_MAX_LENGTH, maxLengthSource: `${DEFAULT_MAX_LENGTH}, sentence-transformers' max_seq_length (no readable models/m2/heads.json)` };
  }
}
