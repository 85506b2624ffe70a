/**
 * A small ONNX graph builder over onnx-proto's protobufjs classes. Pure
 * TypeScript without node: imports, so the model generators also run inside
 * workerd, where the encoder test builds its model in-test.
 */
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;
type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

/** TensorProto.DataType codes for the element types the generators use. */
export const DATA_TYPE = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7 } as const;
export type ElementType = keyof typeof DATA_TYPE;

type TensorData = Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

/** Attribute values the generators need: ints, floats and int lists. */
export type AttributeValue = number | { float: number } | readonly number[];

export interface GraphInput {
  name: string;
  type: ElementType;
  /** Symbolic names (strings) or fixed sizes (numbers). */
  shape: readonly (string | number)[];
}

export interface ModelSpec {
  name: string;
  inputs: readonly GraphInput[];
  outputs: readonly GraphInput[];
  /** Default-domain opset; 17 is the first with LayerNormalization. */
  opset?: number;
  docString?: string;
}

// ONNX 1.12 (opset 17) models are IR version 8.
const IR_VERSION = 8;
const DEFAULT_OPSET = 17;

function attribute(name: string, value: AttributeValue): AttributeProto {
  if (typeof value === "number") return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
  if (Array.isArray(value)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...value] };
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: (value as { float: number }).float };
}

function valueInfo({ name, type, shape }: GraphInput): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[type],
        shape: { dim: shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function rawBytes(data: TensorData): Uint8Array {
  // ONNX raw_data is little-endian, as are the platforms ORT runs on.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private counter = 0;

  /** A fresh tensor name with a readable prefix. */
  fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  /** Adds an initializer and returns its name. */
  tensor(name: string, type: ElementType, dims: readonly number[], data: TensorData): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) {
      throw new Error(`initializer ${name}: ${data.length} values for dims [${dims.join(", ")}]`);
    }
    this.initializers.push({ name, dataType: DATA_TYPE[type], dims: [...dims], rawData: rawBytes(data) });
    return name;
  }

  float(name: string, values: readonly number[] | Float32Array, dims: readonly number[] = [values.length]): string {
    return this.tensor(name, "float", dims, Float32Array.from(values));
  }

  int64(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.tensor(name, "int64", dims, BigInt64Array.from(values, (v) => BigInt(v)));
  }

  /**
   * Adds a node; returns its output names (named `outputs`, or fresh ones
   * derived from the op type when a count is given).
   */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    outputs: readonly string[] | number = 1,
  ): string[] {
    const names =
      typeof outputs === "number" ? Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase())) : [...outputs];
    this.nodes.push({
      opType,
      name: this.fresh(`${opType}_node`),
      input: [...inputs],
      output: names,
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return names;
  }

  /** Single-output shorthand for op(). */
  op1(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, output?: string): string {
    return this.op(opType, inputs, attributes, output === undefined ? 1 : [output])[0]!;
  }

  /** Serialises the graph as a ModelProto. */
  toModel(spec: ModelSpec): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: "smart-support-edge training/onnx",
      docString: spec.docString ?? "",
      opsetImport: [{ domain: "", version: spec.opset ?? DEFAULT_OPSET }],
      graph: {
        name: spec.name,
        node: this.nodes,
        initializer: this.initializers,
        input: spec.inputs.map(valueInfo),
        output: spec.outputs.map(valueInfo),
      },
    });
    return onnx.ModelProto.encode(model, plainWriter()).finish();
  }
}

type Writer = ReturnType<typeof onnx.ModelProto.encode>;

/**
 * protobufjs's array-backed Writer. Where it can import `buffer` it defaults
 * to its BufferWriter, and under workerd's nodejs_compat that writer throws a
 * RangeError on any string of 40+ characters (it calls Buffer#utf8Write with
 * an offset, which workerd bounds by the whole buffer's length). BufferWriter
 * extends Writer, so the plain class is one prototype up when not already it.
 */
function plainWriter(): Writer {
  let prototype = Object.getPrototypeOf(onnx.ModelProto.encode({}));
  if (Object.getPrototypeOf(prototype) !== Object.prototype) prototype = Object.getPrototypeOf(prototype);
  return new prototype.constructor() as Writer;
}

/** Serialises a (possibly decoded and edited) ModelProto, with the workerd-safe writer. */
export function encodeModel(model: onnxProto.onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model, plainWriter()).finish();
}

/** Decodes a serialised model, for tests that inspect generated graphs. */
export function decodeModel(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
