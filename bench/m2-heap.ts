/**
 * The JS heap a /v2 consumer isolate holds once M2 is ready, which workerd does not expose
 * (bench:m2 adds it to the memory verdict): a fresh Node process (run with --expose-gc)
 * loads the libraries the Worker bundles (Hono, @hono/zod-openapi with zod, @upstash/redis;
 * the app itself imports cloudflare: modules Node cannot load) and builds the long-lived
 * objects of the M2 path — the bundled M1 model (the fallback), the tokenizer with the
 * bundled vocabulary, onnxruntime-web and a session on the pruned, split shape-faithful
 * model — then reports heapUsed after a full GC, less the heapUsed of the bare process
 * before any of it. ORT's wasm memory and the model bytes are not JS heap: the verdict
 * counts them separately. An approximation: V8 in workerd and in Node lay out the same
 * objects alike, but the Worker's own route code is not in it.
 *
 *   node --expose-gc bench/m2-heap.ts
 */
export type HeapRun = { baselineBytes: number; modulesBytes: number; heapBytes: number };

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const settle = () => {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
};
const baseline = settle();

const libraries = await Promise.all([import("hono"), import("@hono/zod-openapi"), import("@upstash/redis")]);
const { isolateM1 } = await import("../src/m1/isolate.ts");
const { bundledVocab } = await import("../src/m2/vocab.ts");
const { WordPieceTokenizer } = await import("../src/m2/wordpiece.ts");
const { createEncoder } = await import("../src/m2/encoder.ts");
const { EXTERNAL_DATA_LOCATION } = await import("../src/m2/model-source.ts");
const { ticketText } = await import("../src/ml/text.ts");
const { buildShapeFaithfulEncoder } = await import("../models/onnx/shape-faithful-encoder.ts");
const { externalizeModel } = await import("../models/onnx/external-data.ts");
const { keepIdsFor, pruneVocabulary, specialIds } = await import("../models/onnx/vocab-pruning.ts");
const { loadTickets } = await import("../dataset/load.ts");

const m1 = isolateM1();
const vocab = bundledVocab();
const tokenizer = new WordPieceTokenizer(vocab);
const modulesBytes = settle() - baseline;

// Built in a function so nothing but the session outlives it.
async function session() {
  const texts = (await loadTickets()).tickets.map((t) => ticketText(t.subject, t.body));
  const ids = texts.map((t) => tokenizer.encode(t, { maxLength: 128 }).inputIds);
  const pruned = pruneVocabulary(buildShapeFaithfulEncoder(), { keepIds: keepIdsFor(ids, specialIds(vocab)), unkId: vocab.get("[UNK]")! });
  const { graph, weights } = externalizeModel(pruned.model);
  const encoder = await createEncoder(graph, { externalData: [{ path: EXTERNAL_DATA_LOCATION, data: weights }] });
  await encoder.embed(tokenizer.encodeBatch([texts[0]!], 128));
  return encoder;
}
const encoder = await session();
const heapBytes = settle() - baseline;

const result: HeapRun = { baselineBytes: baseline, modulesBytes, heapBytes };
process.stdout.write(`${JSON.stringify(result)}\n`);
// Referenced after the reading, so none of them could be collected before it.
if ([libraries, m1, encoder].some((x) => x === undefined)) process.exitCode = 1;
