/**
 * One attempt at loading M2: the encoder's vocabulary and bytes, an ORT session over
 * them, and the heads bound to exactly those bytes. Each way it can fall short is an
 * outcome with a reason (availability.ts decides when to try again), never a throw.
 *
 * Imports onnxruntime-web: the Worker reaches this module through a dynamic import
 * only once it knows there is a model (isolate.ts).
 */
import type { LoadOutcome } from "./availability.ts";
import { createEncoder, type Encoder } from "./encoder.ts";
import { headsBinding, loadM2Heads, type M2Heads, type M2Prediction } from "./heads.ts";
import { type ModelLoad, modelSha256, type VocabLoad } from "./model-source.ts";
import type { LoadedM2, M2Ticket } from "./scorer.ts";
import { BUNDLED_VOCAB_SHA256, bundledVocab, type Vocab, vocabFromText } from "./vocab.ts";
import { WordPieceTokenizer } from "./wordpiece.ts";
import { ticketText } from "../ml/text.ts";

export interface M2LoadOptions {
  /** The heads artefact (heads.json), validated here (heads.ts): unreadable heads are refused. */
  heads: unknown;
  loadModel: () => Promise<ModelLoad>;
  /** The encoder's vocab.txt; only asked for when the heads' vocabSha256 is not the bundled vocab's. */
  loadVocab?: () => Promise<VocabLoad>;
  /** ORT's precompiled wasm; required in workerd (see encoder.ts). */
  wasmModule?: WebAssembly.Module;
}

/**
 * How much padding one encoder run may carry: tickets are grouped, shortest first, while
 * the padded cells stay within this factor of the real tokens. On the real MiniLM
 * (ORT-web wasm, one thread) a batch saves only ~5-9 % over single runs when nothing is
 * padded, and padded cells cost as much as real ones (attention grows with the padded
 * length), so one padded batch of 10 real tickets was ~2.8× slower than ten single runs
 * and groups padded up to 25 % still ~1.2× slower (models/README.md, "Batching"). Only
 * tickets of (nearly) the same length share a run.
 */
export const MAX_PADDING_FACTOR = 1.05;

/** Indices of `lengths` in groups of similar length (shortest first), each padded at most MAX_PADDING_FACTOR. */
export function lengthGroups(lengths: readonly number[], maxPaddingFactor: number = MAX_PADDING_FACTOR): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const groups: number[][] = [];
  let tokens = 0;
  for (const i of order) {
    const group = groups.at(-1);
    // Sorted ascending, so this ticket is the group's longest: every row pads to it.
    if (group && (group.length + 1) * lengths[i]! <= maxPaddingFactor * (tokens + lengths[i]!)) {
      group.push(i);
      tokens += lengths[i]!;
    } else {
      groups.push([i]);
      tokens = lengths[i]!;
    }
  }
  return groups;
}

export async function loadM2(options: M2LoadOptions): Promise<LoadOutcome<LoadedM2>> {
  let binding;
  try {
    binding = headsBinding(options.heads);
  } catch (error) {
    return { state: "refused", reason: messageOf(error) };
  }
  const vocab = await resolveVocab(binding.encoder.vocabSha256, options.loadVocab);
  if ("state" in vocab) return vocab;
  let tokenizer: WordPieceTokenizer;
  try {
    tokenizer = new WordPieceTokenizer(vocab.vocab, { lowercase: binding.encoder.lowercase ?? true });
  } catch (error) {
    return { state: "refused", reason: `vocab ${vocab.source ?? "(bundled)"}: ${messageOf(error)}` };
  }

  let loaded: ModelLoad;
  try {
    loaded = await options.loadModel();
  } catch (error) {
    return { state: "absent", reason: `model load threw: ${messageOf(error)}` };
  }
  if (loaded.bytes === null) return { state: "absent", reason: loaded.reason };
  // The heads are checked against what actually loaded (graph and weights for a split model).
  const sha256 = await modelSha256(loaded);

  let encoder: Encoder;
  try {
    encoder = await createEncoder(loaded.bytes, {
      wasmModule: options.wasmModule,
      pooling: binding.encoder.pooling,
      externalData: loaded.externalData,
    });
  } catch (error) {
    return { state: "failed", reason: messageOf(error) };
  }
  let heads: M2Heads;
  try {
    heads = loadM2Heads(options.heads as Parameters<typeof loadM2Heads>[0], sha256);
  } catch (error) {
    // Refused for good in this isolate: the session would only hold wasm memory.
    await encoder.release().catch(() => {});
    return { state: "refused", reason: messageOf(error) };
  }

  const { maxLength } = heads.encoder;
  const predict = (ticket: M2Ticket, embedding: Float32Array | undefined): M2Prediction => {
    if (!embedding) throw new Error("encoder returned no embedding");
    return heads.predict(embedding, { keywordMatched: ticket.keywordMatched, m1Margins: ticket.m1Margins, m1Urgency: ticket.m1Urgency });
  };
  return {
    state: "ready",
    source: `${loaded.source}${vocab.source ? `, vocab ${vocab.source}` : ""}`,
    value: {
      async scoreBatch(tickets) {
        const rows = tickets.map((t) => tokenizer.encode(ticketText(t.subject, t.body), { maxLength }).inputIds);
        const results: (M2Prediction | Error)[] = new Array(tickets.length);
        for (const group of lengthGroups(rows.map((r) => r.length))) {
          try {
            const embeddings = await encoder.embed(tokenizer.pad(group.map((i) => rows[i]!)));
            group.forEach((i, g) => (results[i] = attempt(() => predict(tickets[i]!, embeddings[g]))));
          } catch (error) {
            // One ticket the encoder cannot take must not cost the others M2: each alone.
            for (const i of group) {
              try {
                const [embedding] = await encoder.embed(tokenizer.pad([rows[i]!]));
                results[i] = predict(tickets[i]!, embedding);
              } catch (single) {
                results[i] = single instanceof Error ? single : new Error(String(single ?? error));
              }
            }
          }
        }
        return results;
      },
    },
  };
}

type VocabOutcome = { vocab: Vocab; source: string | null } | { state: "absent" | "refused"; reason: string };

async function resolveVocab(vocabSha256: string, loadVocab: M2LoadOptions["loadVocab"]): Promise<VocabOutcome> {
  if (vocabSha256 === BUNDLED_VOCAB_SHA256) return { vocab: bundledVocab(), source: null };
  if (!loadVocab) return { state: "absent", reason: `heads need vocab sha256 ${vocabSha256}, which is not the bundled one, and no vocab source was given` };
  let loaded: VocabLoad;
  try {
    loaded = await loadVocab();
  } catch (error) {
    return { state: "absent", reason: `vocab load threw: ${messageOf(error)}` };
  }
  if (loaded.text === null) return { state: "absent", reason: loaded.reason };
  if (loaded.sha256 !== vocabSha256) {
    return {
      state: "refused",
      reason: `vocab ${loaded.source} has sha256 ${loaded.sha256}, the heads need vocabSha256 ${vocabSha256}: upload the encoder's own vocab.txt (npm run models:setup)`,
    };
  }
  return { vocab: vocabFromText(loaded.text), source: loaded.source };
}

function attempt<T>(fn: () => T): T | Error {
  try {
    return fn();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
