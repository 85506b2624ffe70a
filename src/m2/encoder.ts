/**
 * M2 encoder: a BERT-family ONNX model (input_ids, attention_mask and, for
 * BERT/MiniLM exports, token_type_ids → last_hidden_state) run by
 * onnxruntime-web's single-threaded wasm backend,
 * pooled to one vector per text. The same code runs in Node, where ORT reads
 * its .wasm file itself, and in workerd, where the caller passes the
 * precompiled module from ort-workerd.ts.
 */
import * as ort from "onnxruntime-web/wasm";
import type { BatchEncoding } from "./wordpiece.ts";
import { type Pooling, pool } from "./pooling.ts";

export const INPUT_NAMES = ["input_ids", "attention_mask"] as const;
/**
 * BERT-style exports (all-MiniLM-L6-v2, bge-small) also take segment ids. A ticket
 * is one segment, so they are all 0: what Hugging Face's tokenizer gives for one text.
 */
export const OPTIONAL_INPUT_NAMES = ["token_type_ids"] as const;
export const OUTPUT_NAME = "last_hidden_state";

export interface EncoderOptions {
  /** Default `cls`, the pooling of the seed (the scikit-learn service this project reproduces). */
  pooling?: Pooling;
  /**
   * ORT's wasm, compiled ahead of time. Required in workerd, which refuses to
   * compile wasm from bytes at run time; leave it out in Node.
   */
  wasmModule?: WebAssembly.Module;
  /**
   * The bytes of a model whose initializers are ONNX external data, by the
   * `location` its graph records (see model-source.ts for the split layout).
   */
  externalData?: { path: string; data: Uint8Array }[];
}

export interface Encoder {
  readonly pooling: Pooling;
  /** Width of each vector, read from the model's first output. */
  readonly hiddenSize: number | null;
  /** One vector per text of the batch, in batch order. */
  embed(batch: BatchEncoding): Promise<Float32Array[]>;
  release(): Promise<void>;
}

/** A model that cannot serve as the encoder; the message says why, for /health. */
export class EncoderError extends Error {
  override name = "EncoderError";
}

// Whether ORT has instantiated its wasm in this isolate; it does so once, in
// the first session creation, and keeps the instance for every later session.
let wasmInstantiated = false;
// Whether a substitute is in place: sessions created concurrently before ORT
// has instantiated share ORT's one initialisation, so they share one substitute.
let substituting = false;

function configureRuntime(wasmModule: WebAssembly.Module | undefined): void {
  // One thread: Workers have no threads to give, and in Node a pool per test
  // worker would only contend for the same cores.
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  // ORT accepts a Module here at run time although its types say bytes: the
  // emscripten factory only checks the value is truthy before using it.
  if (wasmModule) ort.env.wasm.wasmBinary = wasmModule as unknown as ArrayBuffer;
}

/**
 * Runs `create` while WebAssembly.instantiate hands ORT the precompiled module.
 *
 * ORT 1.30 gives emscripten `wasmBinary`, whose loader then calls
 * `WebAssembly.instantiate(new Uint8Array(wasmBinary), imports)` — with a
 * Module that is an empty byte view, and workerd would refuse real bytes
 * anyway. ORT builds the emscripten module options itself, so its
 * `instantiateWasm` hook is out of reach; swapping the global for exactly one
 * call is the narrowest seam. The original is back as soon as that call is
 * made, and in any case when `create` settles.
 */
async function withPrecompiledWasm<T>(wasmModule: WebAssembly.Module | undefined, create: () => Promise<T>): Promise<T> {
  if (!wasmModule || wasmInstantiated || substituting) return create();
  const original = WebAssembly.instantiate;
  const restore = () => {
    if (!substituting) return;
    WebAssembly.instantiate = original;
    substituting = false;
  };
  const substitute = ((source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) => {
    restore();
    if (source instanceof WebAssembly.Module) return original(source, imports);
    return original(wasmModule, imports).then((instance) => {
      wasmInstantiated = true;
      return { instance, module: wasmModule };
    });
  }) as typeof WebAssembly.instantiate;
  WebAssembly.instantiate = substitute;
  substituting = true;
  try {
    return await create();
  } finally {
    restore();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checkInterface(session: ort.InferenceSession): void {
  const missing = INPUT_NAMES.filter((name) => !session.inputNames.includes(name));
  const known: readonly string[] = [...INPUT_NAMES, ...OPTIONAL_INPUT_NAMES];
  const extra = session.inputNames.filter((name) => !known.includes(name));
  const problems = [
    ...(missing.length > 0 ? [`missing inputs ${missing.join(", ")}`] : []),
    // Inputs the tokenizer cannot fill would fail every run.
    ...(extra.length > 0 ? [`unexpected inputs ${extra.join(", ")}`] : []),
    ...(session.outputNames.includes(OUTPUT_NAME) ? [] : [`no ${OUTPUT_NAME} output`]),
  ];
  if (problems.length > 0) {
    throw new EncoderError(`model is not a BERT-style encoder: ${problems.join("; ")}`);
  }
}

function declaredHiddenSize(session: ort.InferenceSession): number | null {
  const index = session.outputNames.indexOf(OUTPUT_NAME);
  const metadata = session.outputMetadata[index];
  if (!metadata?.isTensor) return null;
  const last = metadata.shape.at(-1);
  return typeof last === "number" ? last : null;
}

/**
 * Creates an ORT session for `modelBytes`. Rejects with EncoderError when the
 * bytes are not a loadable ONNX model or not an encoder with BERT's
 * inputs and output. Costly (seconds for the 67 MB model): call it lazily,
 * once per isolate — see availability.ts — never at module scope.
 */
export async function createEncoder(modelBytes: Uint8Array, options: EncoderOptions = {}): Promise<Encoder> {
  const pooling = options.pooling ?? "cls";
  configureRuntime(options.wasmModule);
  let session: ort.InferenceSession;
  try {
    session = await withPrecompiledWasm(options.wasmModule, () =>
      ort.InferenceSession.create(modelBytes, {
        executionProviders: ["wasm"],
        graphOptimizationLevel: "all",
        ...(options.externalData ? { externalData: options.externalData } : {}),
      }),
    );
  } catch (error) {
    const external = options.externalData?.reduce((sum, e) => sum + e.data.byteLength, 0);
    const size = external === undefined ? `${modelBytes.byteLength} bytes` : `${modelBytes.byteLength} + ${external} bytes`;
    throw new EncoderError(`could not load the encoder model (${size}): ${describe(error)}`, {
      cause: error,
    });
  }
  try {
    checkInterface(session);
  } catch (error) {
    await session.release();
    throw error;
  }
  const hiddenSize = declaredHiddenSize(session);
  const wantsTokenTypes = session.inputNames.includes("token_type_ids");

  return {
    pooling,
    hiddenSize,
    async embed(batch: BatchEncoding): Promise<Float32Array[]> {
      const [size, sequence] = batch.dims;
      if (size === 0) return [];
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor("int64", batch.inputIds, [size, sequence]),
        attention_mask: new ort.Tensor("int64", batch.attentionMask, [size, sequence]),
      };
      if (wantsTokenTypes) feeds.token_type_ids = new ort.Tensor("int64", new BigInt64Array(size * sequence), [size, sequence]);
      const outputs = await session.run(feeds, [OUTPUT_NAME]);
      const hidden = outputs[OUTPUT_NAME]!;
      try {
        const [b, s, width] = hidden.dims;
        if (hidden.type !== "float32" || b !== size || s !== sequence || width === undefined) {
          throw new EncoderError(
            `${OUTPUT_NAME} is ${hidden.type} [${hidden.dims.join(", ")}], expected float32 [${size}, ${sequence}, hidden]`,
          );
        }
        return pool(pooling, hidden.data as Float32Array, batch.attentionMask, [size, sequence, width]);
      } finally {
        hidden.dispose();
      }
    },
    release: () => session.release(),
  };
}
