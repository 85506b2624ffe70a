/**
 * Moves a model's initializers into ONNX external data: the graph keeps each
 * tensor's name, type and dims, and records in `external_data` where its bytes
 * lie (location, offset, length) in one separate weights blob. ORT-web given
 * the graph plus `externalData: [{ path: location, data: weights }]` runs the
 * same model, but never holds a second copy of the weights inside the wasm heap
 * as part of the serialised graph (~100 MiB less wasm memory for the 67 MB
 * shape-faithful encoder).
 *
 * Pure TypeScript without node: imports, so workerd tests can externalize in-test.
 * Deterministic: the same input bytes give the same graph and weights bytes.
 */
import onnxProto from "onnx-proto";
import { EXTERNAL_DATA_LOCATION } from "../../src/m2/model-source.ts";
import { decodeModel, encodeModel } from "./graph.ts";

const { onnx } = onnxProto;

export interface ExternalizeOptions {
  /** Initializers with fewer raw bytes than this stay inside the graph. Default 1024. */
  minBytes?: number;
  /** Offsets of each tensor in the weights blob are multiples of this. Default 64. */
  align?: number;
}

export interface Externalized {
  /** The graph, every large initializer pointing at EXTERNAL_DATA_LOCATION. */
  graph: Uint8Array;
  /** The moved initializers' raw bytes, aligned, in graph order. */
  weights: Uint8Array;
  /** How many initializers moved. */
  moved: number;
}

export function externalizeModel(modelBytes: Uint8Array, options: ExternalizeOptions = {}): Externalized {
  const { minBytes = 1024, align = 64 } = options;
  const model = decodeModel(modelBytes);
  const initializers = model.graph?.initializer ?? [];
  const placed: { offset: number; bytes: Uint8Array }[] = [];
  let offset = 0;
  for (const tensor of initializers) {
    if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
      throw new Error(`initializer ${tensor.name} already uses external data`);
    }
    const raw = tensor.rawData;
    if (!raw || raw.byteLength < minBytes) continue;
    offset += (align - (offset % align)) % align;
    placed.push({ offset, bytes: raw });
    tensor.externalData = [
      { key: "location", value: EXTERNAL_DATA_LOCATION },
      { key: "offset", value: String(offset) },
      { key: "length", value: String(raw.byteLength) },
    ];
    tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    tensor.rawData = new Uint8Array(0);
    offset += raw.byteLength;
  }
  const weights = new Uint8Array(offset);
  for (const { offset: at, bytes } of placed) weights.set(bytes, at);
  return { graph: encodeModel(model), weights, moved: placed.length };
}
