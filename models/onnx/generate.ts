/**
 * Writes the generated encoders to models/m2/ (gitignored *.onnx).
 *
 *   npm run models:generate                                 tiny-encoder.onnx (~136 kB)
 *   npm run models:generate -- --shape-faithful             bench-encoder.onnx (~67 MB)
 *   npm run models:generate -- [--seed N] [--out FILE] [--check]
 *
 * --check loads the written file with src/m2/encoder.ts and times batch-1,
 * 128-token embeddings, so a model is only trusted once ORT has run it.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createEncoder } from "../../src/m2/encoder.ts";
import { SHAPE_FAITHFUL_DEFAULT_SEED, buildShapeFaithfulEncoder } from "./shape-faithful-encoder.ts";
import { TINY_DEFAULT_SEED, buildTinyEncoder } from "./tiny-encoder.ts";

const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const TINY_PATH = resolve(REPO_ROOT, "models/m2/tiny-encoder.onnx");
export const BENCH_PATH = resolve(REPO_ROOT, "models/m2/bench-encoder.onnx");
const USAGE = "usage: models:generate [--shape-faithful] [--seed N] [--out FILE] [--check]";
const CHECK_SEQUENCE = 128;
const CHECK_RUNS = 10;

export class UsageError extends Error {}

export interface GenerateArgs {
  shapeFaithful: boolean;
  seed: number;
  out: string;
  check: boolean;
}

export function parseGenerateArgs(argv: readonly string[]): GenerateArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        "shape-faithful": { type: "boolean", default: false },
        seed: { type: "string" },
        out: { type: "string" },
        check: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const shapeFaithful = values["shape-faithful"];
  let seed = shapeFaithful ? SHAPE_FAITHFUL_DEFAULT_SEED : TINY_DEFAULT_SEED;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new UsageError(`--seed must be an integer in [0, 2^32), got ${values.seed}`);
    }
  }
  const out = values.out === undefined ? (shapeFaithful ? BENCH_PATH : TINY_PATH) : resolve(values.out);
  return { shapeFaithful, seed, out, check: values.check };
}

export interface Generated {
  path: string;
  bytes: Uint8Array;
  sha256: string;
  buildMs: number;
}

export function generate(args: GenerateArgs): Generated {
  const started = performance.now();
  const bytes = args.shapeFaithful ? buildShapeFaithfulEncoder({ seed: args.seed }) : buildTinyEncoder({ seed: args.seed });
  const buildMs = performance.now() - started;
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, bytes);
  return { path: args.out, bytes, sha256: createHash("sha256").update(bytes).digest("hex"), buildMs };
}

/** Session creation time and per-call embedding times (ms) for one 128-token text. */
export async function checkModel(bytes: Uint8Array): Promise<{ sessionMs: number; runMs: number[] }> {
  let started = performance.now();
  const encoder = await createEncoder(bytes);
  const sessionMs = performance.now() - started;
  // Arbitrary in-vocabulary ids: timing does not depend on which tokens they are.
  const inputIds = BigInt64Array.from({ length: CHECK_SEQUENCE }, (_, i) => BigInt(1000 + ((i * 7919) % 29_000)));
  const batch = {
    inputIds,
    attentionMask: new BigInt64Array(CHECK_SEQUENCE).fill(1n),
    dims: [1, CHECK_SEQUENCE] as [number, number],
  };
  await encoder.embed(batch); // warm-up: first run allocates and prepacks
  const runMs: number[] = [];
  for (let i = 0; i < CHECK_RUNS; i++) {
    started = performance.now();
    const [vector] = await encoder.embed(batch);
    runMs.push(performance.now() - started);
    if (!vector?.every(Number.isFinite)) throw new Error("model produced a non-finite embedding");
  }
  await encoder.release();
  return { sessionMs, runMs };
}

async function main(argv: readonly string[]): Promise<void> {
  let args: GenerateArgs;
  try {
    args = parseGenerateArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  const result = generate(args);
  const megabytes = (result.bytes.byteLength / 1e6).toFixed(2);
  console.log(
    `wrote ${relative(process.cwd(), result.path)}: ${result.bytes.byteLength} bytes (${megabytes} MB), ` +
      `sha256 ${result.sha256}, seed ${args.seed}, built in ${result.buildMs.toFixed(0)} ms`,
  );
  if (args.check) {
    const { sessionMs, runMs } = await checkModel(result.bytes);
    const sorted = [...runMs].sort((a, b) => a - b);
    console.log(
      `ORT (wasm, 1 thread): session ${sessionMs.toFixed(0)} ms; batch 1 × ${CHECK_SEQUENCE} tokens: ` +
        `median ${sorted[sorted.length >> 1]!.toFixed(1)} ms, min ${sorted[0]!.toFixed(1)} ms over ${runMs.length} runs`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main(process.argv.slice(2));
}
