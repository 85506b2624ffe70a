// The workerd wiring, exercised in Node: ORT must instantiate the module it is
// handed and never compile bytes. A file of its own, because ORT instantiates
// its wasm once per module instance and the other encoder tests let it load
// the file itself.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { createEncoder } from "./encoder.ts";
import { bundledVocab } from "./vocab.ts";
import { WordPieceTokenizer } from "./wordpiece.ts";
import { buildTinyEncoder } from "../../models/onnx/tiny-encoder.ts";

const wasmPath = createRequire(import.meta.url).resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm");
// workers-types (this project's global types) declare Module abstract and no
// WebAssembly.compile, as workerd allows neither; Node has both.
const WasmModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;

describe("encoder with a precompiled ORT module", () => {
  it("instantiates only the given module, for concurrent first sessions, and restores WebAssembly.instantiate", async () => {
    const wasmModule = new WasmModule(readFileSync(wasmPath));
    const native = WebAssembly.instantiate;
    const sources: unknown[] = [];
    const recorder = ((source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) => {
      sources.push(source);
      return native(source as WebAssembly.Module, imports);
    }) as typeof WebAssembly.instantiate;
    WebAssembly.instantiate = recorder;
    try {
      const model = buildTinyEncoder();
      const [a, b] = await Promise.all([
        createEncoder(model, { wasmModule }),
        createEncoder(model, { wasmModule, pooling: "mean" }),
      ]);
      expect(WebAssembly.instantiate).toBe(recorder);
      expect(sources).toEqual([wasmModule]);

      const batch = new WordPieceTokenizer(bundledVocab()).encodeBatch(["printer on fire", "invoice overdue"], 128);
      const [vectors, meanVectors] = [await a.embed(batch), await b.embed(batch)];
      expect(vectors.map((v) => v.length)).toEqual([768, 768]);
      expect(meanVectors.every((v) => v.every(Number.isFinite))).toBe(true);

      // Later sessions reuse ORT's instance: no further instantiation, no patch.
      await createEncoder(model, { wasmModule });
      expect(sources).toHaveLength(1);
      expect(WebAssembly.instantiate).toBe(recorder);
    } finally {
      WebAssembly.instantiate = native;
    }
  });
});
