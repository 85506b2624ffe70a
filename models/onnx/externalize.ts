/**
 * Splits an ONNX model into a graph and its weights (ONNX external data), the
 * layout the Worker reads from R2 when `<key>.weights.bin` sits beside `<key>.onnx`
 * (see src/m2/model-source.ts):
 *
 *   npm run models:externalize -- IN.onnx OUT.onnx     writes OUT.onnx + OUT.weights.bin
 *
 * Deterministic; the split model computes exactly what IN.onnx computes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { weightsKey } from "../../src/m2/model-source.ts";
import { externalizeModel } from "./external-data.ts";

const USAGE = "usage: models:externalize -- IN.onnx OUT.onnx   (writes OUT.onnx and OUT.weights.bin)";

export function externalizeFile(inPath: string, outPath: string): { graphPath: string; weightsPath: string; moved: number } {
  if (!outPath.endsWith(".onnx")) throw new Error(`${outPath}: the output must end in .onnx\n${USAGE}`);
  const { graph, weights, moved } = externalizeModel(new Uint8Array(readFileSync(inPath)));
  const weightsPath = weightsKey(outPath);
  writeFileSync(outPath, graph);
  writeFileSync(weightsPath, weights);
  return { graphPath: outPath, weightsPath, moved };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [inPath, outPath, ...rest] = process.argv.slice(2);
  if (!inPath || !outPath || rest.length > 0) {
    console.error(USAGE);
    process.exit(2);
  }
  try {
    const { graphPath, weightsPath, moved } = externalizeFile(inPath, outPath);
    const size = (path: string) => readFileSync(path).byteLength;
    console.log(`${graphPath} (${size(graphPath)} bytes) + ${weightsPath} (${size(weightsPath)} bytes, ${moved} initializers)`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
