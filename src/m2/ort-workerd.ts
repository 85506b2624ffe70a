/**
 * ORT's wasm as a module wrangler compiles at deploy time (its CompiledWasm
 * rule for *.wasm), for EncoderOptions.wasmModule. Workerd-only: Node cannot
 * import .wasm, and there ORT loads the file itself.
 *
 * The file must be the one matching the JS that `onnxruntime-web/wasm`
 * resolves to (both ship in the same package version).
 */
import ortWasm from "onnxruntime-web/ort-wasm-simd-threaded.wasm";

export const ORT_WASM_MODULE: WebAssembly.Module = ortWasm;
