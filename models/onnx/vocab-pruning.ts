/**
 * Shrinks an encoder's word-embedding table to the token ids a deployment
 * actually sees, without changing the model's interface.
 *
 * DistilBERT's table is 30,522 × 768 (22.4 MiB as quantize_dynamic stores it,
 * uint8), about a third of the int8 model, and ORT-web holds it twice while a
 * session is created (once as the bytes handed in, once in wasm memory). A
 * support queue uses a few thousand of those ids. Pruning keeps only their
 * rows and puts a lookup in front of the table:
 *
 *   input_ids ─ Gather(vocab_remap) ─ Gather(table[kept rows]) ─ …
 *
 * `vocab_remap` (int32, one entry per original id) maps each kept id to its
 * new row and every other id to [UNK]'s row. The graph still takes the
 * tokenizer's original ids, so the Worker's tokenizer, the bundled vocabulary
 * and every other input stay as they are; for a text whose ids are all kept
 * the output is exactly the unpruned model's, and an id that was not kept is
 * read as [UNK] — the cost, which the CLI measures on held-out tickets.
 *
 * Pure TypeScript without node: imports (as external-data.ts), deterministic.
 * Prune before externalizing: the table must still be inside the graph.
 */
import onnxProto from "onnx-proto";
import type { Vocab } from "../../src/m2/vocab.ts";
import type { Split } from "../../training/split.ts";
import { DATA_TYPE, decodeModel, encodeModel } from "./graph.ts";

const { onnx } = onnxProto;

/** metadata_props key under which a pruned model records what was done to it. */
export const VOCAB_PRUNING_METADATA = "smart_support.vocab_pruning";

export interface VocabPruning {
  /** Rows of the original table. */
  originalVocab: number;
  /** Rows kept, in ascending id order. */
  keptVocab: number;
  /** The id every unkept id is read as. */
  unkId: number;
  /** The embedding initializer that was cut. */
  table: string;
  /** sha256 of the model it was pruned from, when the caller gave one (provenance for train:m2). */
  sourceSha256: string | null;
}

export interface PruneOptions {
  /** Ids whose rows stay; [UNK] is always kept. */
  keepIds: Iterable<number>;
  /** What every other id reads as. */
  unkId: number;
  sourceSha256?: string;
}

export interface PrunedModel {
  model: Uint8Array;
  pruning: VocabPruning;
}

const INPUT_IDS = "input_ids";

function fail(message: string): never {
  throw new Error(`cannot prune the vocabulary: ${message}`);
}

/**
 * Returns the model with the word-embedding table cut to `keepIds` (plus
 * `unkId`). The table is the one initializer that a Gather reads with
 * `input_ids` as its indices; any other layout is refused with the reason.
 */
export function pruneVocabulary(modelBytes: Uint8Array, { keepIds, unkId, sourceSha256 }: PruneOptions): PrunedModel {
  const model = decodeModel(modelBytes);
  const graph = model.graph ?? fail("the model has no graph");
  if (model.metadataProps?.some((p) => p.key === VOCAB_PRUNING_METADATA)) fail("its vocabulary is already pruned");
  if (!graph.input?.some((i) => i.name === INPUT_IDS)) fail(`the graph has no ${INPUT_IDS} input`);

  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name, t]));
  const lookups = (graph.node ?? []).filter(
    (n) => n.opType === "Gather" && n.input?.[1] === INPUT_IDS && initializers.has(n.input[0] ?? ""),
  );
  if (lookups.length !== 1) fail(`expected one Gather of an initializer by ${INPUT_IDS}, found ${lookups.length}`);
  const lookup = lookups[0]!;
  const table = initializers.get(lookup.input![0]!)!;
  if ((graph.node ?? []).some((n) => n !== lookup && n.input?.includes(table.name!))) {
    fail(`${table.name} is read by more than the embedding lookup (tied weights?)`);
  }
  if (table.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) fail(`${table.name} is external data; prune before externalizing`);
  const dims = (table.dims ?? []).map(Number);
  if (dims.length !== 2) fail(`${table.name} has dims [${dims.join(", ")}], expected [vocab, hidden]`);
  const [vocab, hidden] = dims as [number, number];
  const raw = table.rawData;
  if (!raw || raw.byteLength === 0 || raw.byteLength % (vocab * hidden) !== 0) {
    fail(`${table.name} does not keep its values as raw_data`);
  }
  const rowBytes = raw.byteLength / vocab;

  if (!Number.isInteger(unkId) || unkId < 0 || unkId >= vocab) fail(`[UNK] id ${unkId} is outside the table's ${vocab} rows`);
  const keep = new Set<number>([unkId]);
  for (const id of keepIds) {
    if (!Number.isInteger(id) || id < 0 || id >= vocab) fail(`id ${id} is outside the table's ${vocab} rows`);
    keep.add(id);
  }
  const kept = [...keep].sort((a, b) => a - b);

  const rows = new Uint8Array(kept.length * rowBytes);
  const remap = new Int32Array(vocab);
  const unkRow = kept.indexOf(unkId);
  remap.fill(unkRow);
  kept.forEach((id, row) => {
    rows.set(raw.subarray(id * rowBytes, (id + 1) * rowBytes), row * rowBytes);
    remap[id] = row;
  });

  table.dims = [kept.length, hidden];
  table.rawData = rows;
  const remapName = `${table.name}.vocab_remap`;
  const remappedIds = `${INPUT_IDS}_pruned`;
  graph.initializer!.push({
    name: remapName,
    dataType: DATA_TYPE.int32,
    dims: [vocab],
    rawData: new Uint8Array(remap.buffer),
  });
  // First in the node list: it reads only a graph input and an initializer,
  // so the list stays topologically sorted.
  graph.node!.unshift({ opType: "Gather", name: `${remapName}_lookup`, input: [remapName, INPUT_IDS], output: [remappedIds] });
  lookup.input![1] = remappedIds;

  const pruning: VocabPruning = { originalVocab: vocab, keptVocab: kept.length, unkId, table: table.name!, sourceSha256: sourceSha256 ?? null };
  model.metadataProps = [...(model.metadataProps ?? []), { key: VOCAB_PRUNING_METADATA, value: JSON.stringify(pruning) }];
  return { model: encodeModel(model), pruning };
}

/** What pruneVocabulary recorded in a model (graph-only bytes of a split model are enough), or null. */
export function vocabPruningOf(modelBytes: Uint8Array): VocabPruning | null {
  const entry = decodeModel(modelBytes).metadataProps?.find((p) => p.key === VOCAB_PRUNING_METADATA);
  return entry?.value ? (JSON.parse(entry.value) as VocabPruning) : null;
}

export const SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] as const;

export function specialIds(vocab: Vocab): number[] {
  return SPECIAL_TOKENS.map((t) => {
    const id = vocab.get(t);
    if (id === undefined) throw new Error(`the vocabulary has no ${t}`);
    return id;
  });
}

/**
 * The ids a pruned model must keep for these tickets: the specials and every id
 * they tokenize to. [PAD] matters although padding is masked out of attention:
 * each activation's dynamic quantization scale is taken over the whole batch,
 * padded positions included, so a changed [PAD] row changes every vector.
 */
export function keepIdsFor(idsPerTicket: readonly (readonly number[])[], specials: readonly number[]): Set<number> {
  const keep = new Set(specials);
  for (const ids of idsPerTicket) for (const id of ids) keep.add(id);
  return keep;
}

export interface HeldOutLoss {
  /** Mean over folds of: held-out tokens (specials excluded) whose id the training folds never used. */
  tokenRate: { mean: number; std: number };
  /** Mean over folds of: held-out tickets with at least one such token. */
  ticketRate: { mean: number; std: number };
  /** Mean size of a keep set built from the training folds. */
  keptMean: number;
  /** Held-out tokens that are [UNK] even with the full vocabulary, for scale. */
  unkRateFullVocab: number;
}

const meanStd = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, std: Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length) };
};

/** What pruning to the training folds' ids costs each held-out fold. */
export function heldOutLoss(
  idsPerTicket: readonly (readonly number[])[],
  folds: readonly Split[],
  specials: readonly number[],
  unkId: number,
): HeldOutLoss {
  const special = new Set(specials);
  const tokenRates: number[] = [];
  const ticketRates: number[] = [];
  const kept: number[] = [];
  let unk = 0;
  let all = 0;
  for (const { train, test } of folds) {
    const keep = keepIdsFor(train.map((i) => idsPerTicket[i]!), specials);
    kept.push(keep.size);
    let tokens = 0;
    let lost = 0;
    let ticketsHit = 0;
    for (const i of test) {
      let hit = false;
      for (const id of idsPerTicket[i]!) {
        if (special.has(id) && id !== unkId) continue;
        tokens++;
        all++;
        if (id === unkId) unk++;
        else if (!keep.has(id)) {
          lost++;
          hit = true;
        }
      }
      if (hit) ticketsHit++;
    }
    tokenRates.push(tokens === 0 ? 0 : lost / tokens);
    ticketRates.push(test.length === 0 ? 0 : ticketsHit / test.length);
  }
  return {
    tokenRate: meanStd(tokenRates),
    ticketRate: meanStd(ticketRates),
    keptMean: kept.reduce((a, b) => a + b, 0) / kept.length,
    unkRateFullVocab: all === 0 ? 0 : unk / all,
  };
}
