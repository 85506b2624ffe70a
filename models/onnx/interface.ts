/**
 * The input/output contract of Hugging Face's DistilBERT ONNX export
 * (Xenova/distilbert-base-uncased), which every generated encoder copies so
 * src/m2/encoder.ts cannot tell a stand-in from the real model.
 */
import type { GraphInput } from "./graph.ts";

export const ENCODER_INPUTS: readonly GraphInput[] = [
  { name: "input_ids", type: "int64", shape: ["batch_size", "sequence_length"] },
  { name: "attention_mask", type: "int64", shape: ["batch_size", "sequence_length"] },
];

export const HIDDEN_SIZE = 768;

export function encoderOutputs(hidden: number): readonly GraphInput[] {
  return [{ name: "last_hidden_state", type: "float", shape: ["batch_size", "sequence_length", hidden] }];
}
