/**
 * A tiny stand-in for DistilBERT (~130 kB): same inputs and output, so the
 * encoder, pooling and R2 path can be tested anywhere, workerd included,
 * without the 67 MB model.
 *
 * Per token: a seeded 16-d embedding of (id mod 512) plus sinusoidal position
 * features. A masked mean of those features over the text is added back to
 * every token, so — as with real self-attention — the [CLS] vector depends on
 * the whole text and not only on token 101. Padding is masked out of that
 * mean and zeroed in the output, so a text's vectors do not depend on what it
 * was batched with.
 */
import { GraphBuilder } from "./graph.ts";
import { ENCODER_INPUTS, HIDDEN_SIZE, encoderOutputs } from "./interface.ts";
import { SeededRandom } from "./seeded.ts";

export const TINY_DEFAULT_SEED = 20_240_601;
const BUCKETS = 512;
const FEATURES = 16;

export interface TinyEncoderOptions {
  seed?: number;
  hidden?: number;
}

export function buildTinyEncoder(options: TinyEncoderOptions = {}): Uint8Array {
  const seed = options.seed ?? TINY_DEFAULT_SEED;
  const hidden = options.hidden ?? HIDDEN_SIZE;
  const random = new SeededRandom(seed);
  const g = new GraphBuilder();

  const table = g.tensor("token_table", "float", [BUCKETS, FEATURES], random.floats(BUCKETS * FEATURES, 1));
  // Frequencies spread over two decades, so nearby positions differ and far ones do not alias.
  const frequencies = g.float(
    "position_frequencies",
    Array.from({ length: FEATURES }, (_, i) => 10 ** (-2 * (i / FEATURES))),
    [1, FEATURES],
  );
  const tokenProjection = g.tensor(
    "token_projection",
    "float",
    [FEATURES, hidden],
    random.floats(FEATURES * hidden, 1 / Math.sqrt(FEATURES)),
  );
  const contextProjection = g.tensor(
    "context_projection",
    "float",
    [FEATURES, hidden],
    random.floats(FEATURES * hidden, 1 / Math.sqrt(FEATURES)),
  );
  const bias = g.tensor("output_bias", "float", [hidden], random.floats(hidden, 0.1));
  const buckets = g.int64("buckets", [BUCKETS], []);
  const zero = g.int64("zero", [0], []);
  const one = g.int64("one", [1], []);
  const axis0 = g.int64("axis0", [0]);
  const axis1 = g.int64("axis1", [1]);
  const axis2 = g.int64("axis2", [2]);
  const oneFloat = g.float("one_float", [1], []);

  // Token features.
  const bucket = g.op1("Mod", ["input_ids", buckets]);
  const token = g.op1("Gather", [table, bucket]);

  // Position features: sin(position * frequency), for whatever length arrives.
  const length = g.op1("Shape", ["input_ids"], { start: 1, end: 2 });
  const lengthScalar = g.op1("Squeeze", [length, axis0]);
  const positions = g.op1("Range", [zero, lengthScalar, one]);
  const positionColumn = g.op1("Unsqueeze", [g.op1("Cast", [positions], { to: 1 }), axis1]);
  const position = g.op1("Sin", [g.op1("Mul", [positionColumn, frequencies])]);
  const features = g.op1("Add", [token, position]);

  // Masked mean of the text's features: the context every token sees.
  const mask = g.op1("Unsqueeze", [g.op1("Cast", ["attention_mask"], { to: 1 }), axis2]);
  const masked = g.op1("Mul", [features, mask]);
  const sum = g.op1("ReduceSum", [masked, axis1], { keepdims: 1 });
  const count = g.op1("Max", [g.op1("ReduceSum", [mask, axis1], { keepdims: 1 }), oneFloat]);
  const context = g.op1("Div", [sum, count]);

  const mixed = g.op1("Add", [
    g.op1("MatMul", [features, tokenProjection]),
    g.op1("MatMul", [context, contextProjection]),
  ]);
  const activated = g.op1("Tanh", [g.op1("Add", [mixed, bias])]);
  g.op1("Mul", [activated, mask], {}, "last_hidden_state");

  return g.toModel({
    name: "tiny_encoder",
    inputs: ENCODER_INPUTS,
    outputs: encoderOutputs(hidden),
    docString: `Tiny DistilBERT stand-in, seed ${seed}. Not a language model.`,
  });
}
