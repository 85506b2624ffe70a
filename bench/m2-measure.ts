/**
 * Runtime-neutral parts of `npm run bench:m2`: the same code builds the inputs, times the
 * encoder and reads ORT's wasm memory in Node (bench/m2-node.ts) and in workerd
 * (bench/m2.workerd.test.ts), so their rows differ only by runtime.
 *
 * Every runtime sees the same inputs: real ticket texts (ticketText, as the consumer
 * builds them), tokenized by src/m2/wordpiece.ts and padded or truncated to exactly
 * [batch, sequence], so a run's cost does not depend on how long its tickets happen to be.
 * Tokenization happens before the clock starts; inference times cover `run` alone.
 */
import { pool } from "../src/m2/pooling.ts";
import { ticketText } from "../src/ml/text.ts";
import type { Vocab } from "../src/m2/vocab.ts";
import type { BatchEncoding, WordPieceTokenizer } from "../src/m2/wordpiece.ts";
import { quantile, timePaths, type BenchTicket, type Now, type PathResult } from "./measure.ts";

export type Shape = { batch: number; sequence: number; warmup: number; runs: number };

/**
 * Smallest footprint first: wasm memory only grows, so the reading after each shape is the
 * high-water mark of that shape and every smaller one, and the batch-1 reading is what the
 * consumer (one ticket per embed) needs. Run counts keep one bench:m2 under ~6 minutes on
 * 2 cores at ~300 ms per ORT-web batch-1 inference; BENCH_M2_SCALE multiplies them.
 */
export const SHAPES: readonly Shape[] = [
  { batch: 1, sequence: 64, warmup: 3, runs: 12 },
  { batch: 1, sequence: 128, warmup: 2, runs: 24 },
  { batch: 8, sequence: 64, warmup: 1, runs: 5 },
  { batch: 8, sequence: 128, warmup: 1, runs: 8 },
];

export function scaledShapes(scale: number): Shape[] {
  return SHAPES.map((s) => ({ ...s, runs: Math.max(2, Math.round(s.runs * scale)) }));
}

export type Stats = { median: number; p99: number; min: number; mean: number; n: number };

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

export function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: round(quantile(sorted, 0.5)),
    p99: round(quantile(sorted, 0.99)),
    min: round(sorted[0]!),
    mean: round(values.reduce((s, v) => s + v, 0) / values.length),
    n: values.length,
  };
}

/** `texts` as exactly [texts.length, sequence]: truncated by the tokenizer ([CLS] … [SEP]), then [PAD]-filled with mask 0. */
export function fixedBatch(tokenizer: WordPieceTokenizer, padId: number, texts: readonly string[], sequence: number): BatchEncoding {
  const inputIds = new BigInt64Array(texts.length * sequence).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(texts.length * sequence);
  texts.forEach((text, r) => {
    const ids = tokenizer.encode(text, { maxLength: sequence }).inputIds;
    ids.forEach((id, i) => {
      inputIds[r * sequence + i] = BigInt(id);
      attentionMask[r * sequence + i] = 1n;
    });
  });
  return { inputIds, attentionMask, dims: [texts.length, sequence] };
}

export function padIdOf(vocab: Vocab): number {
  const id = vocab.get("[PAD]");
  if (id === undefined) throw new Error("vocabulary has no [PAD]");
  return id;
}

/** Tokenization µs per ticket: ticket text → the [1, 128] int64 tensors the encoder is fed (measure.ts's method). */
export function timeTokenization(
  tokenizer: WordPieceTokenizer,
  padId: number,
  tickets: readonly BenchTicket[],
  opts: { minMs: number; tickMs: number; now?: Now },
): PathResult {
  return timePaths(tickets, { tokenize: (t) => fixedBatch(tokenizer, padId, [ticketText(t.subject, t.body)], 128) }, opts).tokenize;
}

export type TokenStats = { tickets: number; meanTokens: number; truncated: number; distinctIds: number };

/** Token counts at `sequence` (with [CLS]/[SEP]) and the distinct ids used: what a pruned vocabulary would keep. */
export function tokenStats(tokenizer: WordPieceTokenizer, tickets: readonly BenchTicket[], sequence: number): TokenStats {
  const distinct = new Set<number>();
  let total = 0;
  let truncated = 0;
  for (const t of tickets) {
    const text = ticketText(t.subject, t.body);
    const ids = tokenizer.encode(text, { maxLength: sequence }).inputIds;
    ids.forEach((id) => distinct.add(id));
    total += ids.length;
    if (tokenizer.encode(text, { maxLength: null }).inputIds.length > sequence) truncated++;
  }
  return { tickets: tickets.length, meanTokens: round(total / tickets.length, 1), truncated, distinctIds: distinct.size };
}

/**
 * Watches WebAssembly.instantiate for ORT's one instantiation and keeps its memory (the
 * simd-threaded build imports a shared Memory; an exported one is taken as well). Install
 * before the first session is created: encoder.ts's own one-call swap then wraps this.
 */
export function watchWasmMemory(): { bytes: () => number | null; restore: () => void } {
  const original = WebAssembly.instantiate;
  let memory: WebAssembly.Memory | null = null;
  const keep = (values: Iterable<unknown>) => {
    for (const v of values) if (!memory && v instanceof WebAssembly.Memory) memory = v;
  };
  const watcher = (async (source: WebAssembly.Module, imports?: WebAssembly.Imports) => {
    for (const module of Object.values(imports ?? {})) keep(Object.values(module));
    const result = (await original(source, imports)) as unknown as WebAssembly.Instance | { instance: WebAssembly.Instance };
    keep(Object.values((result instanceof WebAssembly.Instance ? result : result.instance).exports));
    return result;
  }) as unknown as typeof WebAssembly.instantiate;
  WebAssembly.instantiate = watcher;
  return {
    bytes: () => (memory === null ? null : (memory as WebAssembly.Memory).buffer.byteLength),
    restore: () => {
      if (WebAssembly.instantiate === watcher) WebAssembly.instantiate = original;
    },
  };
}

export type RunBatch = (batch: BatchEncoding) => Promise<Float32Array[]>;

export type ShapeResult = {
  batch: number;
  sequence: number;
  warmup: number;
  /** ms per run (one batch), and divided by the batch size. */
  perBatchMs: Stats;
  perTicketMs: Stats;
};

/**
 * Times `run` at each shape, `warmup` untimed runs first; run i of a shape embeds tickets
 * i·batch … in order (cycling), so runtimes see the same texts. `after` runs after each shape
 * and its value (memory readings) is kept with the shape's times.
 */
export async function timeShapes<M>(
  run: RunBatch,
  tokenizer: WordPieceTokenizer,
  padId: number,
  tickets: readonly BenchTicket[],
  shapes: readonly Shape[],
  after: (shape: Shape) => M,
  now: Now = () => performance.now(),
): Promise<(ShapeResult & { after: M })[]> {
  const texts = tickets.map((t) => ticketText(t.subject, t.body));
  const results: (ShapeResult & { after: M })[] = [];
  for (const shape of shapes) {
    const batches = Array.from({ length: shape.warmup + shape.runs }, (_, i) =>
      fixedBatch(tokenizer, padId, Array.from({ length: shape.batch }, (_, j) => texts[(i * shape.batch + j) % texts.length]!), shape.sequence),
    );
    const ms: number[] = [];
    for (const [i, batch] of batches.entries()) {
      const start = now();
      const vectors = await run(batch);
      const elapsed = now() - start;
      if (vectors.length !== shape.batch) throw new Error(`expected ${shape.batch} vectors, got ${vectors.length}`);
      if (i >= shape.warmup) ms.push(elapsed);
    }
    results.push({
      batch: shape.batch,
      sequence: shape.sequence,
      warmup: shape.warmup,
      perBatchMs: stats(ms),
      perTicketMs: stats(ms.map((x) => x / shape.batch)),
      after: after(shape),
    });
  }
  return results;
}

/** The [CLS] vector of the first ticket at [1, 128]: every runtime must produce (nearly) the same one. */
export async function referenceVector(run: RunBatch, tokenizer: WordPieceTokenizer, padId: number, ticket: BenchTicket): Promise<number[]> {
  const [vector] = await run(fixedBatch(tokenizer, padId, [ticketText(ticket.subject, ticket.body)], 128));
  return Array.from(vector!, (x) => Number(x.toPrecision(7)));
}

/** [CLS] pooling of a raw last_hidden_state, for runtimes that do not go through encoder.ts. */
export function clsVectors(hidden: Float32Array, batch: BatchEncoding): Float32Array[] {
  const [b, s] = batch.dims;
  return pool("cls", hidden, batch.attentionMask, [b, s, hidden.length / (b * s)]);
}

export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  return a.reduce((worst, x, i) => Math.max(worst, Math.abs(x - b[i]!)), 0);
}

export { sha256Hex } from "../src/util/sha256.ts";
