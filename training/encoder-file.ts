/**
 * An encoder model on disk as the Worker will read it from R2 — a single ONNX file, or a
 * graph with its `.weights.bin` beside it — with the identity the M2 heads are bound to.
 * Shared by train:m2 (which binds heads to it) and models:upload (which refuses a model the
 * heads are not bound to), so both hash exactly what the Worker hashes. No onnxruntime
 * here: an upload has no use for it.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { REPO_ROOT } from "../dataset/load.ts";
import { EXTERNAL_DATA_LOCATION, modelSha256, weightsKey, type ExternalData } from "../src/m2/model-source.ts";

export type EncoderFile = {
  path: string;
  bytes: Uint8Array;
  /** Weights beside a split model (`<name>.weights.bin`), as the Worker loads them from R2. */
  externalData?: ExternalData[];
  /** Where those weights were read from. */
  weightsPath?: string;
  /** The identity the heads are bound to: modelSha256, as the Worker computes it. */
  sha256: string;
};

/** `split: false` reads the file alone even if a `.weights.bin` lies beside it. */
export async function readEncoderFile(path: string, { split = true }: { split?: boolean } = {}): Promise<EncoderFile> {
  const absolute = resolve(REPO_ROOT, path);
  const bytes = new Uint8Array(await readFile(absolute));
  const weightsPath = weightsKey(absolute);
  const weights = split ? await readFile(weightsPath).then((b) => new Uint8Array(b), () => null) : null;
  const externalData = weights ? [{ path: EXTERNAL_DATA_LOCATION, data: weights }] : undefined;
  return {
    path: absolute,
    bytes,
    externalData,
    weightsPath: weights ? weightsPath : undefined,
    sha256: await modelSha256({ bytes, externalData }),
  };
}
