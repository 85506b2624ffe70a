/**
 * What bench:m2 runs through the encoder, and how it is timed: the same code in workerd
 * (bench/m2.workerd.test.ts) and in Node (bench/m2-node.ts), so their rows differ only by
 * runtime. No padding to a fixed length: every ticket goes in at its own token length
 * (tokenizer.encodeBatch pads a batch to its longest row only), truncated at maxLength
 * as the consumer does.
 *
 * Tickets are picked by position, evenly spaced over the file, so every runtime sees the
 * same texts and their lengths follow the sample's. A "queue batch" is 10 of them in file
 * order, the consumer's max_batch_size. Tokenization happens before the clock starts.
 */
import { ticketText } from "../src/ml/text.ts";
import type { BatchEncoding, WordPieceTokenizer } from "../src/m2/wordpiece.ts";
import { quantile, type BenchTicket, type Now } from "./measure.ts";

/** wrangler.jsonc's queue consumer max_batch_size. */
export const QUEUE_BATCH = 10;

export type RunBatch = (batch: BatchEncoding) => Promise<Float32Array[]>;

export type Stats = { median: number; p90: number; p99: number; min: number; max: number; mean: number; n: number };

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

export function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: round(quantile(sorted, 0.5)),
    p90: round(quantile(sorted, 0.9)),
    p99: round(quantile(sorted, 0.99)),
    min: round(sorted[0]!),
    max: round(sorted.at(-1)!),
    mean: round(values.reduce((s, v) => s + v, 0) / values.length),
    n: values.length,
  };
}

/** Token counts with [CLS]/[SEP], untruncated: the sample's real lengths. */
export function tokenLengths(tokenizer: WordPieceTokenizer, tickets: readonly BenchTicket[]): number[] {
  return tickets.map((t) => tokenizer.encode(ticketText(t.subject, t.body), { maxLength: null }).inputIds.length);
}

export type LengthStats = Stats & { truncatedAt: number; truncated: number };

export function lengthStats(lengths: readonly number[], maxLength: number): LengthStats {
  return { ...stats(lengths), truncatedAt: maxLength, truncated: lengths.filter((n) => n > maxLength).length };
}

export type WorkloadPlan = {
  /** Indices into the tickets, evenly spaced; a multiple of QUEUE_BATCH. */
  picked: number[];
  /** A ticket whose length is the sample's median (untruncated), and that length. */
  medianTicket: number;
  medianLength: number;
};

export function planWorkload(lengths: readonly number[], count: number): WorkloadPlan {
  const n = Math.max(QUEUE_BATCH, Math.round(count / QUEUE_BATCH) * QUEUE_BATCH);
  const picked = Array.from({ length: Math.min(n, lengths.length) }, (_, i) => Math.floor((i * lengths.length) / n));
  const sorted = [...lengths].sort((a, b) => a - b);
  const medianLength = quantile(sorted, 0.5);
  const medianTicket = lengths.indexOf(medianLength);
  return { picked, medianTicket, medianLength };
}

/** One way of grouping the picked tickets into encoder calls. */
export type Grouping = "single" | "queue-batch" | "queue-batch-sorted-halves" | "length-sorted-stream";

export const GROUPINGS: readonly { grouping: Grouping; what: string }[] = [
  { grouping: "single", what: "one ticket per call, at its own length (what the consumer does today)" },
  { grouping: "queue-batch", what: `each queue batch of ${QUEUE_BATCH} as one call, padded to its longest ticket` },
  { grouping: "queue-batch-sorted-halves", what: `each queue batch sorted by length and run as 2 calls of ${QUEUE_BATCH / 2}, each padded to its own longest` },
  { grouping: "length-sorted-stream", what: `all picked tickets sorted by length, then calls of ${QUEUE_BATCH} (least padding; a consumer only sees one queue batch, so a lower bound)` },
];

/** The calls a grouping makes, as lists of ticket indices. */
export function groupCalls(plan: WorkloadPlan, lengths: readonly number[], grouping: Grouping): number[][] {
  const chunk = (ids: number[], size: number) => Array.from({ length: Math.ceil(ids.length / size) }, (_, i) => ids.slice(i * size, (i + 1) * size));
  const byLength = (ids: number[]) => [...ids].sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  switch (grouping) {
    case "single":
      return plan.picked.map((i) => [i]);
    case "queue-batch":
      return chunk(plan.picked, QUEUE_BATCH);
    case "queue-batch-sorted-halves":
      return chunk(plan.picked, QUEUE_BATCH).flatMap((batch) => chunk(byLength(batch), QUEUE_BATCH / 2));
    case "length-sorted-stream":
      return chunk(byLength(plan.picked), QUEUE_BATCH);
  }
}

export type PassResult = {
  label: string;
  maxLength: number;
  tickets: number;
  calls: number;
  /** Real tokens / tokens fed (padding included). */
  paddingEfficiency: number;
  /** ms per ticket of each timed pass (pass time / tickets); `msPerTicket` is their median. */
  passMsPerTicket: number[];
  msPerTicket: number;
  /** Per call, median over the passes; for single tickets that is the per-ticket distribution. */
  perCallMs: Stats;
};

/**
 * Times `repeats` passes over `calls` (after one untimed call to settle allocations), each
 * pass the same calls in the same order; the figure is the median pass.
 */
export async function timePasses(
  run: RunBatch,
  tokenizer: WordPieceTokenizer,
  tickets: readonly BenchTicket[],
  calls: readonly (readonly number[])[],
  opts: { label: string; maxLength: number; repeats: number; now?: Now },
): Promise<PassResult> {
  const now = opts.now ?? (() => performance.now());
  const batches = calls.map((ids) => tokenizer.encodeBatch(ids.map((i) => ticketText(tickets[i]!.subject, tickets[i]!.body)), opts.maxLength));
  const ticketCount = calls.reduce((s, c) => s + c.length, 0);
  let real = 0;
  let fed = 0;
  for (const b of batches) {
    fed += b.dims[0] * b.dims[1];
    real += b.attentionMask.reduce((s, m) => s + Number(m), 0);
  }
  await run(batches[0]!);
  const perCall: number[][] = batches.map(() => []);
  const passMsPerTicket: number[] = [];
  for (let r = 0; r < opts.repeats; r++) {
    let pass = 0;
    for (const [i, batch] of batches.entries()) {
      const started = now();
      const vectors = await run(batch);
      const elapsed = now() - started;
      if (vectors.length !== batch.dims[0]) throw new Error(`expected ${batch.dims[0]} vectors, got ${vectors.length}`);
      perCall[i]!.push(elapsed);
      pass += elapsed;
    }
    passMsPerTicket.push(round(pass / ticketCount));
  }
  const medianOf = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
  return {
    label: opts.label,
    maxLength: opts.maxLength,
    tickets: ticketCount,
    calls: calls.length,
    paddingEfficiency: round(real / fed, 3),
    passMsPerTicket,
    msPerTicket: round(medianOf(passMsPerTicket)),
    perCallMs: stats(perCall.map(medianOf)),
  };
}

/** The median-length ticket alone, `repeats` times: the figure the 40 ms target is about. */
export async function timeMedianTicket(
  run: RunBatch,
  tokenizer: WordPieceTokenizer,
  ticket: BenchTicket,
  opts: { maxLength: number; repeats: number; now?: Now },
): Promise<Stats & { tokens: number }> {
  const now = opts.now ?? (() => performance.now());
  const batch = tokenizer.encodeBatch([ticketText(ticket.subject, ticket.body)], opts.maxLength);
  await run(batch);
  const ms: number[] = [];
  for (let r = 0; r < opts.repeats; r++) {
    const started = now();
    await run(batch);
    ms.push(now() - started);
  }
  return { ...stats(ms), tokens: batch.dims[1] };
}

/** Ticket 0's mean-pooled vector at maxLength: every runtime must produce (nearly) the same one. */
export async function referenceVector(run: RunBatch, tokenizer: WordPieceTokenizer, ticket: BenchTicket, maxLength: number): Promise<number[]> {
  const [vector] = await run(tokenizer.encodeBatch([ticketText(ticket.subject, ticket.body)], maxLength));
  return Array.from(vector!, (x) => Number(x.toPrecision(7)));
}

export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  return a.reduce((worst, x, i) => Math.max(worst, Math.abs(x - b[i]!)), 0);
}

/**
 * The whole inference part of one runtime's half, in one order everywhere: single tickets at
 * real lengths, the median ticket, then the batch groupings (largest tensors last, since wasm
 * memory only grows and `afterSingles` reads what a one-ticket-per-call consumer needs).
 */
export type InferenceResult = {
  plan: WorkloadPlan;
  median: Stats & { tokens: number };
  groupings: PassResult[];
  /** Single tickets truncated shorter than maxLength (the truncation lever). */
  truncated: PassResult[];
};

export type WorkloadConfig = { maxLength: number; repeats: number; picked: number; truncateTo: readonly number[] };

export async function runInference(
  run: RunBatch,
  tokenizer: WordPieceTokenizer,
  tickets: readonly BenchTicket[],
  config: WorkloadConfig,
  hooks: { afterSingles?: () => void; now?: Now; singlesOnly?: boolean } = {},
): Promise<InferenceResult> {
  const lengths = tokenLengths(tokenizer, tickets);
  const plan = planWorkload(lengths, config.picked);
  const opts = { maxLength: config.maxLength, repeats: config.repeats, now: hooks.now };
  const groupings: PassResult[] = [];
  const single = await timePasses(run, tokenizer, tickets, groupCalls(plan, lengths, "single"), { ...opts, label: "single" });
  groupings.push(single);
  const median = await timeMedianTicket(run, tokenizer, tickets[plan.medianTicket]!, { ...opts, repeats: Math.max(5, config.repeats * 4) });
  hooks.afterSingles?.();
  if (hooks.singlesOnly) return { plan, median, groupings, truncated: [] };
  for (const { grouping } of GROUPINGS.slice(1)) {
    groupings.push(await timePasses(run, tokenizer, tickets, groupCalls(plan, lengths, grouping), { ...opts, label: grouping }));
  }
  const truncated: PassResult[] = [];
  for (const to of config.truncateTo.filter((n) => n < config.maxLength)) {
    truncated.push(await timePasses(run, tokenizer, tickets, groupCalls(plan, lengths, "single"), { ...opts, maxLength: to, label: `single, truncated at ${to}` }));
  }
  return { plan, median, groupings, truncated };
}
