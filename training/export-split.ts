/**
 * Writes the seed protocol's hold-out split (15 % stratified, seed 42) so that
 * training/sklearn_fixtures.py fits scikit-learn on exactly our training rows.
 * Usage: node training/export-split.ts [out.json]
 */
import { writeFile } from "node:fs/promises";
import { exitIfDatasetMissing } from "../dataset/load.ts";
import { loadTrainingData } from "./data.ts";
import { HOLDOUT_FRACTION, HOLDOUT_SEED } from "./protocol.ts";
import { stratifiedHoldout } from "./split.ts";

const out = process.argv[2] ?? "training/fixtures/holdout-split.json";
const data = await loadTrainingData().catch(exitIfDatasetMissing);
const split = stratifiedHoldout(data.labels, HOLDOUT_FRACTION, HOLDOUT_SEED);
const doc = {
  dataset: { path: data.path, sha256: data.sha256, tickets: data.tickets.length },
  seed: HOLDOUT_SEED,
  testFraction: HOLDOUT_FRACTION,
  train: split.train,
  test: split.test,
};
await writeFile(out, JSON.stringify(doc) + "\n");
console.error(`wrote ${out}: ${split.train.length} train / ${split.test.length} test of ${data.tickets.length}`);
