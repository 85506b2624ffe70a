/**
 * A DistilBERT with the real model's shapes and quantized operators but random
 * seeded weights, for benchmarking the M2 path (load time, memory, latency)
 * without downloading Xenova's model_quantized.onnx.
 *
 * Quantization follows onnxruntime's quantize_dynamic, which produced that
 * file: every MatMul against a weight becomes
 *   DynamicQuantizeLinear(x) → MatMulInteger(x_q, W_q, x_zp, W_zp) → Cast
 *   → Mul(x_scale · W_scale) → Add(bias),
 * with one DynamicQuantizeLinear shared by every MatMul reading the same
 * activation (Q, K and V), and the embedding Gathers read a quantized table
 * through DequantizeLinear. Linear weights are int8 (zero point 0), embedding
 * tables uint8 (zero point 128). The attention score and context MatMuls
 * (activation × activation) stay float. GELU is the exported erf form, which
 * ORT fuses as it would in the real model.
 */
import { GraphBuilder } from "./graph.ts";
import { ENCODER_INPUTS, encoderOutputs } from "./interface.ts";
import { SeededRandom } from "./seeded.ts";

export interface EncoderShape {
  layers: number;
  hidden: number;
  heads: number;
  ffn: number;
  vocab: number;
  positions: number;
}

/** distilbert-base-uncased (../shared/reference/distilbert-base-uncased/config.json). */
export const DISTILBERT_SHAPE: EncoderShape = {
  layers: 6,
  hidden: 768,
  heads: 12,
  ffn: 3072,
  vocab: 30_522,
  positions: 512,
};

export const SHAPE_FAITHFUL_DEFAULT_SEED = 20_240_602;

export interface ShapeFaithfulOptions {
  seed?: number;
  shape?: EncoderShape;
}

// BERT's initializer_range: weights are drawn with this standard deviation.
const WEIGHT_STD = 0.02;
const UNIFORM_LIMIT = WEIGHT_STD * Math.sqrt(3);
const LAYER_NORM_EPSILON = 1e-12;
// What HF's DistilBERT adds to masked attention scores (torch.finfo(float32).min
// overflows when added twice; -1e9 masks just as completely after softmax).
const MASKED_SCORE = -1e9;

export function buildShapeFaithfulEncoder(options: ShapeFaithfulOptions = {}): Uint8Array {
  const seed = options.seed ?? SHAPE_FAITHFUL_DEFAULT_SEED;
  const shape = options.shape ?? DISTILBERT_SHAPE;
  const { hidden, heads } = shape;
  if (hidden % heads !== 0) throw new Error(`hidden ${hidden} is not divisible by ${heads} heads`);
  const headSize = hidden / heads;
  const random = new SeededRandom(seed);
  const g = new GraphBuilder();

  /** int8 weight [rows, cols], symmetric: zero point 0, scale maps ±127 to ±UNIFORM_LIMIT. */
  const int8Weight = (name: string, rows: number, cols: number) => {
    const values = new Int8Array(random.bytes(rows * cols).buffer, 0, rows * cols);
    // -128 would exceed the symmetric range quantize_dynamic produces.
    for (let i = 0; i < values.length; i++) if (values[i] === -128) values[i] = -127;
    return {
      weight: g.tensor(`${name}.weight_quantized`, "int8", [rows, cols], values),
      scale: g.float(`${name}.weight_scale`, [UNIFORM_LIMIT / 127], []),
      zeroPoint: g.tensor(`${name}.weight_zero_point`, "int8", [], new Int8Array(1)),
    };
  };

  const quantizeActivation = (x: string) => {
    const [q, scale, zeroPoint] = g.op("DynamicQuantizeLinear", [x], {}, 3) as [string, string, string];
    return { q, scale, zeroPoint };
  };

  type Quantized = ReturnType<typeof quantizeActivation>;
  const linear = (input: Quantized, name: string, rows: number, cols: number) => {
    const w = int8Weight(name, rows, cols);
    const integer = g.op1("MatMulInteger", [input.q, w.weight, input.zeroPoint, w.zeroPoint]);
    const scale = g.op1("Mul", [input.scale, w.scale]);
    const product = g.op1("Mul", [g.op1("Cast", [integer], { to: 1 }), scale]);
    return g.op1("Add", [product, g.tensor(`${name}.bias`, "float", [cols], random.floats(cols, UNIFORM_LIMIT))]);
  };

  const layerNorm = (x: string, name: string) =>
    g.op1(
      "LayerNormalization",
      [
        x,
        g.tensor(`${name}.weight`, "float", [hidden], random.floats(hidden, 0.1, 1)),
        g.tensor(`${name}.bias`, "float", [hidden], random.floats(hidden, 0.1)),
      ],
      { axis: -1, epsilon: { float: LAYER_NORM_EPSILON } },
    );

  /** uint8 table read through DequantizeLinear, as quantize_dynamic rewrites an embedding Gather. */
  const quantizedEmbedding = (name: string, rows: number, indices: string) => {
    const table = g.tensor(`${name}.weight_quantized`, "uint8", [rows, hidden], random.bytes(rows * hidden));
    const scale = g.float(`${name}.weight_scale`, [UNIFORM_LIMIT / 127], []);
    const zeroPoint = g.tensor(`${name}.weight_zero_point`, "uint8", [], Uint8Array.of(128));
    return g.op1("DequantizeLinear", [g.op1("Gather", [table, indices]), scale, zeroPoint]);
  };

  const axis0 = g.int64("axis0", [0]);
  const axes12 = g.int64("axes12", [1, 2]);
  const splitHeads = g.int64("split_heads_shape", [0, 0, heads, headSize]);
  const mergeHeads = g.int64("merge_heads_shape", [0, 0, hidden]);

  // Embeddings: word + position, then LayerNorm.
  const words = quantizedEmbedding("embeddings.word_embeddings", shape.vocab, "input_ids");
  const length = g.op1("Squeeze", [g.op1("Shape", ["input_ids"], { start: 1, end: 2 }), axis0]);
  const positionIds = g.op1("Range", [g.int64("zero", [0], []), length, g.int64("one", [1], [])]);
  const positions = quantizedEmbedding("embeddings.position_embeddings", shape.positions, positionIds);
  let x = layerNorm(g.op1("Add", [words, positions]), "embeddings.LayerNorm");

  // Additive attention mask [batch, 1, 1, seq]: 0 where attended, MASKED_SCORE on padding.
  const maskFloat = g.op1("Cast", ["attention_mask"], { to: 1 });
  const maskBias = g.op1("Mul", [
    g.op1("Sub", [g.float("one_float", [1], []), maskFloat]),
    g.float("masked_score", [MASKED_SCORE], []),
  ]);
  const attentionBias = g.op1("Unsqueeze", [maskBias, axes12]);
  const inverseSqrtHead = g.float("inverse_sqrt_head", [1 / Math.sqrt(headSize)], []);
  const sqrt2 = g.float("sqrt2", [Math.SQRT2], []);
  const half = g.float("half", [0.5], []);
  const oneFloat = "one_float";

  for (let layer = 0; layer < shape.layers; layer++) {
    const prefix = `transformer.layer.${layer}`;
    const xq = quantizeActivation(x);
    const heads4 = (t: string, perm: number[]) =>
      g.op1("Transpose", [g.op1("Reshape", [t, splitHeads])], { perm });
    const q = heads4(linear(xq, `${prefix}.attention.q_lin`, hidden, hidden), [0, 2, 1, 3]);
    const k = heads4(linear(xq, `${prefix}.attention.k_lin`, hidden, hidden), [0, 2, 3, 1]);
    const v = heads4(linear(xq, `${prefix}.attention.v_lin`, hidden, hidden), [0, 2, 1, 3]);
    const scores = g.op1("Add", [g.op1("MatMul", [g.op1("Mul", [q, inverseSqrtHead]), k]), attentionBias]);
    const weights = g.op1("Softmax", [scores], { axis: -1 });
    const context = g.op1("Reshape", [
      g.op1("Transpose", [g.op1("MatMul", [weights, v])], { perm: [0, 2, 1, 3] }),
      mergeHeads,
    ]);
    const attended = linear(quantizeActivation(context), `${prefix}.attention.out_lin`, hidden, hidden);
    const normed = layerNorm(g.op1("Add", [attended, x]), `${prefix}.sa_layer_norm`);

    const expanded = linear(quantizeActivation(normed), `${prefix}.ffn.lin1`, hidden, shape.ffn);
    // gelu(x) = x · 0.5 · (1 + erf(x / √2))
    const erf = g.op1("Erf", [g.op1("Div", [expanded, sqrt2])]);
    const gelu = g.op1("Mul", [g.op1("Mul", [expanded, g.op1("Add", [erf, oneFloat])]), half]);
    const contracted = linear(quantizeActivation(gelu), `${prefix}.ffn.lin2`, shape.ffn, hidden);
    x = layerNorm(g.op1("Add", [contracted, normed]), `${prefix}.output_layer_norm`);
  }
  g.op1("Identity", [x], {}, "last_hidden_state");

  return g.toModel({
    name: "shape_faithful_distilbert",
    inputs: ENCODER_INPUTS,
    outputs: encoderOutputs(hidden),
    docString: `DistilBERT shapes ${JSON.stringify(shape)}, dynamically quantized operators, random weights (seed ${seed}). Not a language model.`,
  });
}
