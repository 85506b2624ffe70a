// Vocabulary pruning: the pruned model computes exactly what the original does for kept
// ids and reads every other id as [UNK]; what it refuses; the CLI and its held-out figures.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXTERNAL_DATA_LOCATION } from "../../src/m2/model-source.ts";
import { createEncoder } from "../../src/m2/encoder.ts";
import { bundledVocab } from "../../src/m2/vocab.ts";
import { WordPieceTokenizer, type BatchEncoding } from "../../src/m2/wordpiece.ts";
import { externalizeModel } from "./external-data.ts";
import { DATA_TYPE, decodeModel } from "./graph.ts";
import type { PruneReport } from "./prune-vocab.ts";
import { DISTILBERT_SHAPE, buildShapeFaithfulEncoder } from "./shape-faithful-encoder.ts";
import { buildTinyEncoder } from "./tiny-encoder.ts";
import { VOCAB_PRUNING_METADATA, heldOutLoss, keepIdsFor, pruneVocabulary, specialIds, vocabPruningOf } from "./vocab-pruning.ts";

const vocab = bundledVocab();
const tokenizer = new WordPieceTokenizer(vocab);
const UNK = vocab.get("[UNK]")!;
// DistilBERT's vocabulary and operators at a width that builds and runs in milliseconds.
const SMALL = { ...DISTILBERT_SHAPE, layers: 1, hidden: 32, heads: 2, ffn: 64 };
const original = buildShapeFaithfulEncoder({ shape: SMALL, seed: 5 });

const SEEN = [
  "I was charged twice for my subscription, please refund the duplicate invoice.",
  "Checkout returns a 500 error since the deploy this morning.",
];
const UNSEEN = "Our GDPR data processing agreement needs a countersignature.";
const seenIds = SEEN.map((t) => tokenizer.encode(t).inputIds);
// [PAD] must stay: padded rows are masked out of attention, but the dynamic quantization
// scale of every activation is taken over the whole batch, padding included.
const keepIds = keepIdsFor(seenIds, specialIds(vocab));
const pruned = pruneVocabulary(original, { keepIds, unkId: UNK, sourceSha256: "ab".repeat(32) });

const dir = mkdtempSync(join(tmpdir(), "prune-vocab-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function embedBoth(batch: BatchEncoding, pooling: "cls" | "mean" = "cls") {
  const a = await createEncoder(original, { pooling });
  const b = await createEncoder(pruned.model, { pooling });
  try {
    return { original: (await a.embed(batch)).map((v) => [...v]), pruned: (await b.embed(batch)).map((v) => [...v]) };
  } finally {
    await Promise.all([a.release(), b.release()]);
  }
}

describe("pruneVocabulary", () => {
  it("cuts the table to the kept ids and records what it did", () => {
    const distinct = keepIds.size;
    expect(pruned.pruning).toEqual({
      originalVocab: DISTILBERT_SHAPE.vocab,
      keptVocab: distinct,
      unkId: UNK,
      table: "embeddings.word_embeddings.weight_quantized",
      sourceSha256: "ab".repeat(32),
    });
    const graph = decodeModel(pruned.model).graph!;
    const table = graph.initializer!.find((t) => t.name === pruned.pruning.table)!;
    expect(table.dims!.map(Number)).toEqual([distinct, SMALL.hidden]);
    expect(table.rawData!.byteLength).toBe(distinct * SMALL.hidden);
    const remap = graph.initializer!.find((t) => t.name === `${pruned.pruning.table}.vocab_remap`)!;
    expect(remap.dataType).toBe(DATA_TYPE.int32);
    expect(remap.dims!.map(Number)).toEqual([DISTILBERT_SHAPE.vocab]);
    expect(pruned.model.byteLength).toBeLessThan(original.byteLength - (DISTILBERT_SHAPE.vocab - distinct) * SMALL.hidden + remap.rawData!.byteLength + 1024);
    expect(vocabPruningOf(pruned.model)).toEqual(pruned.pruning);
    expect(vocabPruningOf(original)).toBeNull();
  });

  it("keeps the model's interface: the same inputs and output", () => {
    const names = (bytes: Uint8Array) => {
      const g = decodeModel(bytes).graph!;
      return { inputs: g.input!.map((v) => v.name), outputs: g.output!.map((v) => v.name) };
    };
    expect(names(pruned.model)).toEqual(names(original));
  });

  it("computes exactly the original's output for texts whose ids were kept, for both poolings", async () => {
    const batch = tokenizer.encodeBatch(SEEN, 128);
    for (const pooling of ["cls", "mean"] as const) {
      const out = await embedBoth(batch, pooling);
      expect(out.pruned).toEqual(out.original);
    }
  });

  it("reads an id that was not kept as [UNK], and only that id", async () => {
    const ids = tokenizer.encode(UNSEEN).inputIds;
    const kept = keepIds;
    const lost = ids.filter((id) => !kept.has(id));
    expect(lost.length).toBeGreaterThan(0);
    const asUnk = ids.map((id) => (kept.has(id) ? id : UNK));
    const row = (xs: number[]): BatchEncoding => ({
      inputIds: BigInt64Array.from(xs, BigInt),
      attentionMask: new BigInt64Array(xs.length).fill(1n),
      dims: [1, xs.length],
    });
    const prunedOut = await embedBoth(row(ids), "mean");
    const unkOut = await embedBoth(row(asUnk), "mean");
    expect(prunedOut.pruned).toEqual(unkOut.original);
    expect(prunedOut.pruned).not.toEqual(prunedOut.original);
  });

  it("survives externalizing: same output, the record still readable from the graph alone", async () => {
    const split = externalizeModel(pruned.model);
    expect(vocabPruningOf(split.graph)).toEqual(pruned.pruning);
    const batch = tokenizer.encodeBatch(SEEN, 128);
    const whole = await createEncoder(pruned.model);
    const external = await createEncoder(split.graph, { externalData: [{ path: EXTERNAL_DATA_LOCATION, data: split.weights }] });
    expect((await external.embed(batch)).map((v) => [...v])).toEqual((await whole.embed(batch)).map((v) => [...v]));
    await Promise.all([whole.release(), external.release()]);
  });

  it("is deterministic and independent of the order and repetition of the ids", () => {
    const again = pruneVocabulary(original, { keepIds: [...keepIds].reverse().concat(seenIds[0]!), unkId: UNK, sourceSha256: "ab".repeat(32) });
    expect(Buffer.from(again.model).equals(Buffer.from(pruned.model))).toBe(true);
  });

  it("refuses what it cannot prune, saying why", () => {
    const prune = (bytes: Uint8Array, keepIds: number[] = [1000]) => () => pruneVocabulary(bytes, { keepIds, unkId: UNK });
    expect(prune(pruned.model)).toThrow(/already pruned/);
    expect(prune(externalizeModel(original).graph)).toThrow(/external data; prune before externalizing/);
    expect(prune(buildTinyEncoder())).toThrow(/expected one Gather of an initializer by input_ids, found 0/);
    expect(prune(original, [DISTILBERT_SHAPE.vocab])).toThrow(/id 30522 is outside the table's 30522 rows/);
    expect(prune(original, [-1])).toThrow(/id -1 is outside/);
    expect(() => pruneVocabulary(original, { keepIds: [], unkId: 40_000 })).toThrow(/\[UNK\] id 40000/);
    expect(decodeModel(pruned.model).metadataProps!.filter((p) => p.key === VOCAB_PRUNING_METADATA)).toHaveLength(1);
  });
});

describe("held-out cost of a keep set", () => {
  const specials = [0, 100, 101, 102, 103];

  it("keeps the specials and every id the tickets use", () => {
    expect([...keepIdsFor([[101, 7, 8, 102], [101, 9, 102]], specials)].sort((a, b) => a - b)).toEqual([0, 7, 8, 9, 100, 101, 102, 103]);
  });

  it("counts held-out tokens the training folds never used, specials aside, [UNK] separately", () => {
    const ids = [
      [101, 5, 6, 102],
      [101, 5, 7, 102],
      [101, 8, 100, 102],
    ];
    const loss = heldOutLoss(ids, [{ train: [0], test: [1, 2] }], specials, 100);
    // Held out: 5 (seen), 7 (unseen), 8 (unseen), [UNK] (already unknown): 2 of 4 tokens, 2 of 2 tickets.
    expect(loss.tokenRate.mean).toBe(0.5);
    expect(loss.ticketRate.mean).toBe(1);
    expect(loss.keptMean).toBe(specials.length + 2);
    expect(loss.unkRateFullVocab).toBe(0.25);
  });

  it("averages over folds", () => {
    const ids = [[101, 5, 102], [101, 5, 102], [101, 6, 102]];
    const loss = heldOutLoss(ids, [{ train: [0], test: [1] }, { train: [0], test: [2] }], specials, 100);
    expect(loss.tokenRate).toEqual({ mean: 0.5, std: 0.5 });
    expect(loss.ticketRate).toEqual({ mean: 0.5, std: 0.5 });
  });
});

describe("models:prune-vocab", () => {
  it("writes the pruned model and reports the held-out cost on the dataset", () => {
    const input = join(dir, "small.onnx");
    const output = join(dir, "small-pruned.onnx");
    writeFileSync(input, original);
    const stdout = execFileSync(process.execPath, ["models/onnx/prune-vocab.ts", input, output], { encoding: "utf8" });
    const report = JSON.parse(stdout.trim().split("\n").at(-1)!) as PruneReport;
    const written = new Uint8Array(readFileSync(output));
    expect(vocabPruningOf(written)).toEqual(report.pruning);
    expect(report.pruning.keptVocab).toBeGreaterThan(1000);
    expect(report.pruning.keptVocab).toBeLessThan(DISTILBERT_SHAPE.vocab);
    expect(report.pruning.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.tickets).toBeGreaterThan(1000);
    for (const rate of [report.heldOut.tokenRate.mean, report.heldOut.ticketRate.mean]) {
      expect(rate).toBeGreaterThan(0);
      expect(rate).toBeLessThan(1);
    }
    expect(report.heldOut.keptMean).toBeLessThan(report.pruning.keptVocab);
    expect(stdout).toMatch(/vocabulary 30522 → \d+ ids/);
  });

  it("rejects a missing argument with its usage and a non-.onnx output", () => {
    const run = (args: string[]) => {
      try {
        execFileSync(process.execPath, ["models/onnx/prune-vocab.ts", ...args], { encoding: "utf8", stdio: "pipe" });
        return { code: 0, stderr: "" };
      } catch (error) {
        const e = error as { status: number; stderr: string };
        return { code: e.status, stderr: e.stderr };
      }
    };
    expect(run([join(dir, "small.onnx")])).toMatchObject({ code: 2, stderr: expect.stringMatching(/usage: models:prune-vocab/) });
    expect(run([join(dir, "small.onnx"), join(dir, "out.bin")])).toMatchObject({ code: 1, stderr: expect.stringMatching(/must end in \.onnx/) });
  });
});
