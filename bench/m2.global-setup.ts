// globalSetup of the workerd half of bench:m2 (bench/vitest.m2.config.ts), next to
// bench/global-setup.ts, which provides the tickets. Runs in Node: makes sure the
// shape-faithful model exists and hands its sha256 to workerd, which builds the same model
// from the same seed (it cannot read the file) and must arrive at the same bytes.
import type { TestProject } from "vitest/node";
import { ensureBenchModel } from "./m2-model.ts";

export default async function setup(project: TestProject): Promise<void> {
  const model = await ensureBenchModel();
  project.provide("m2Bench", {
    sha256: model.sha256,
    byteLength: model.bytes.byteLength,
    seed: model.seed,
    scale: Number(process.env.BENCH_M2_SCALE ?? 1),
  });
}
