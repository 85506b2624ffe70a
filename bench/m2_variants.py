"""Dev step for bench:m2's precision lever (never needed by npm test or the Worker).

The served all-MiniLM-L6-v2 "int8" ONNX stores its weights as int8 and dequantizes them in
the graph (Cast + Mul): the arithmetic is float32, the int8 only saves file size. This writes
two variants of the same weights so bench:m2 can measure what precision costs:

  float32.onnx  the dequantization folded into float32 initializers (what ORT's "basic"
                constant folding builds in memory anyway), by onnxruntime's own optimizer;
  qdq-int8.onnx float32.onnx dynamically quantized by onnxruntime.quantization, per channel
                (MatMulInteger: int8 arithmetic, not only int8 storage). Per tensor moved
                the mean-pooled vectors far (cosine to the served model's: median 0.957,
                min 0.794 over 51 sample tickets); per channel keeps them close (0.992, 0.959).

  python3 -m pip install onnx onnxruntime   # in a virtualenv
  python3 bench/m2_variants.py MODEL.onnx OUT_DIR
  npm run bench:m2 -- --variant OUT_DIR/float32.onnx --variant OUT_DIR/qdq-int8.onnx
"""
import hashlib
import os
import sys

import onnxruntime as ort
from onnxruntime.quantization import QuantType, quantize_dynamic


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main(model: str, out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    float32 = os.path.join(out_dir, "float32.onnx")
    options = ort.SessionOptions()
    # Basic = constant folding and redundant-node removal only: no fusions that ORT-web or
    # another ORT build might not have kernels for.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = float32
    ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    qdq = os.path.join(out_dir, "qdq-int8.onnx")
    quantize_dynamic(float32, qdq, weight_type=QuantType.QInt8, per_channel=True)
    for path in (float32, qdq):
        print(f"{path}\t{os.path.getsize(path)} bytes\tsha256 {sha256(path)}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
