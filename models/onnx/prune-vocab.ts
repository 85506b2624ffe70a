/**
 * Cuts an encoder's word-embedding table to the token ids the tickets use
 * (models/onnx/vocab-pruning.ts), so the consumer's session fits Workers'
 * memory limit (see bench:m2):
 *
 *   npm run models:prune-vocab -- IN.onnx OUT.onnx [--data CSV] [--max-length 128]
 *
 * Keeps [PAD] [UNK] [CLS] [SEP] [MASK] and every id the Worker's tokenizer gives
 * the dataset's tickets at `--max-length`. Before writing, it measures what that
 * costs on tickets the keep set has not seen: near-duplicate-grouped 5-fold CV
 * (the M1/M2 protocol), the keep set built from four folds, the share of the
 * fifth fold's tokens and tickets that would read as [UNK]. Then:
 *
 *   npm run models:externalize -- OUT.onnx OUT-split.onnx
 *   npm run train:m2 -- --encoder OUT-split.onnx   (heads bind to that exact model)
 *   npm run models:upload -- --model OUT-split.onnx
 *
 * Deterministic: the same model and dataset give the same bytes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../../dataset/load.ts";
import { bundledVocab } from "../../src/m2/vocab.ts";
import { WordPieceTokenizer } from "../../src/m2/wordpiece.ts";
import { sha256, toHex } from "../../src/util/sha256.ts";
import { exitIfDatasetMissing } from "../../dataset/load.ts";
import { loadTrainingData } from "../../training/data.ts";
import { groupNearDuplicates } from "../../training/near-duplicates.ts";
import { CV_FOLDS, CV_SEED } from "../../training/protocol.ts";
import { stratifiedGroupKFold } from "../../training/split.ts";
import { type HeldOutLoss, SPECIAL_TOKENS, heldOutLoss, keepIdsFor, pruneVocabulary, specialIds, type VocabPruning } from "./vocab-pruning.ts";

const USAGE = "usage: models:prune-vocab -- IN.onnx OUT.onnx [--data CSV] [--max-length 128]";
export interface PruneReport {
  input: string;
  output: string;
  sourceSha256: string;
  bytes: { before: number; after: number };
  pruning: VocabPruning;
  tickets: number;
  dataset: string;
  maxLength: number;
  heldOut: HeldOutLoss;
}

export async function pruneVocabFile(inPath: string, outPath: string, options: { data?: string; maxLength?: number } = {}): Promise<PruneReport> {
  if (!outPath.endsWith(".onnx")) throw new Error(`${outPath}: the output must end in .onnx\n${USAGE}`);
  const maxLength = options.maxLength ?? 128;
  const source = new Uint8Array(readFileSync(inPath));
  const data = await loadTrainingData(options.data).catch(exitIfDatasetMissing);
  const vocab = bundledVocab();
  const tokenizer = new WordPieceTokenizer(vocab);
  const idsPerTicket = data.texts.map((text) => tokenizer.encode(text, { maxLength }).inputIds);
  const specials = specialIds(vocab);
  const unkId = vocab.get("[UNK]")!;
  const folds = stratifiedGroupKFold(data.labels, groupNearDuplicates(data.tickets.map((t) => t.body)).groupOf, CV_FOLDS, CV_SEED);
  const heldOut = heldOutLoss(idsPerTicket, folds, specials, unkId);

  const sourceSha256 = toHex(await sha256(source));
  const { model, pruning } = pruneVocabulary(source, { keepIds: keepIdsFor(idsPerTicket, specials), unkId, sourceSha256 });
  writeFileSync(outPath, model);
  return {
    input: inPath,
    output: outPath,
    sourceSha256,
    bytes: { before: source.byteLength, after: model.byteLength },
    pruning,
    tickets: data.texts.length,
    dataset: data.path,
    maxLength,
    heldOut,
  };
}

const percent = (x: number) => `${(x * 100).toFixed(2)} %`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  let values: { data?: string; "max-length"?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      options: { data: { type: "string" }, "max-length": { type: "string" } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const maxLength = values["max-length"] === undefined ? 128 : Number(values["max-length"]);
  if (positionals.length !== 2 || !Number.isInteger(maxLength) || maxLength < 2) {
    console.error(USAGE);
    process.exit(2);
  }
  try {
    const r = await pruneVocabFile(positionals[0]!, positionals[1]!, { data: values.data, maxLength });
    const h = r.heldOut;
    console.log(`${relative(REPO_ROOT, r.output) || r.output}: vocabulary ${r.pruning.originalVocab} → ${r.pruning.keptVocab} ids, ${r.bytes.before} → ${r.bytes.after} bytes`);
    console.log(`  kept: the ${SPECIAL_TOKENS.length} specials and every id of ${r.tickets} tickets (${r.dataset}) at ${r.maxLength} tokens`);
    console.log(
      `  unseen tickets (grouped ${CV_FOLDS}-fold CV, keep set from 4 folds ≈ ${Math.round(h.keptMean)} ids): ` +
        `${percent(h.tokenRate.mean)} ± ${percent(h.tokenRate.std)} of tokens and ${percent(h.ticketRate.mean)} ± ${percent(h.ticketRate.std)} of tickets ` +
        `would read as [UNK] (already [UNK] with the full vocabulary: ${percent(h.unkRateFullVocab)} of tokens)`,
    );
    console.log(`  next: npm run models:externalize -- ${r.output} <split>.onnx, then npm run train:m2 -- --encoder <split>.onnx`);
    console.log(JSON.stringify(r));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
