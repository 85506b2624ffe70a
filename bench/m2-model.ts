/**
 * The shape-faithful encoder bench:m2 measures (models/m2/bench-encoder.onnx, gitignored):
 * generated with the default seed when missing, exactly as `npm run models:generate --
 * --shape-faithful` would. The workerd half builds the same model in-test from the same
 * seed and must arrive at this file's sha256.
 */
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { REPO_ROOT } from "../dataset/load.ts";
import { BENCH_PATH, generate } from "../models/onnx/generate.ts";
import { SHAPE_FAITHFUL_DEFAULT_SEED } from "../models/onnx/shape-faithful-encoder.ts";
import { sha256Hex } from "./m2-measure.ts";

export type BenchModel = { path: string; bytes: Uint8Array; sha256: string; seed: number; generatedNow: boolean };

export async function ensureBenchModel(): Promise<BenchModel> {
  const seed = SHAPE_FAITHFUL_DEFAULT_SEED;
  let generatedNow = false;
  if (!existsSync(BENCH_PATH)) {
    generate({ shapeFaithful: true, seed, out: BENCH_PATH, check: false });
    generatedNow = true;
  }
  const bytes: Uint8Array = readFileSync(BENCH_PATH); // a Buffer: one copy, not two
  return { path: relative(REPO_ROOT, BENCH_PATH), bytes, sha256: await sha256Hex(bytes), seed, generatedNow };
}
