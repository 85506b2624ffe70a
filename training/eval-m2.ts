/**
 * `npm run eval:m2 [-- --encoder PATH] [--cv]`: checks the committed M2 heads against the
 * real encoder on disk and prints the figures the README and the model card quote.
 *
 *  - the encoder file must be the one models/m2/heads.json is bound to (sha256);
 *  - every `examples` row of models/m2/metrics.json is embedded again through the
 *    Worker's path (src/m2/encoder.ts, ORT-web, one ticket at a time) and scored by the
 *    committed heads with the committed M1's margins and urgency score: the category must
 *    match and the confidence and urgency score agree to 1e-4;
 *  - with --cv, train:m2 reruns the whole cross-validation into .tmp/eval-m2/ and the
 *    comparison figures must equal the committed ones;
 *  - then the README table and the card's side-by-side table are printed, rendered from
 *    metrics.json by models/cards.ts.
 *
 * Default --encoder: models/m2/<encoder id>/model.onnx, where `npm run models:setup`
 * (models:fetch) puts it. A missing file ends with exit 1 and the command to run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { exitIfDatasetMissing, REPO_ROOT } from "../dataset/load.ts";
import { m2Figures, m2ReadmeTable, type M2Metrics } from "../models/cards.ts";
import { loadM1 } from "../src/m1/model.ts";
import { loadUrgencyRidge } from "../src/m1/urgency-ridge.ts";
import { loadM2Heads, type M2HeadsArtifact } from "../src/m2/heads.ts";
import { ticketUrgency } from "../src/ml/urgency.ts";
import { loadTrainingFiles } from "./data.ts";
import { encoderEmbedder } from "./embed.ts";
import { readEncoderFile } from "./encoder-file.ts";
import { loadM1Reference } from "./m1-reference.ts";

const TOLERANCE = 1e-4;
const { values: args } = parseArgs({ options: { encoder: { type: "string" }, cv: { type: "boolean", default: false } } });
const out = (m: string) => process.stdout.write(`${m}\n`);
const fail = (m: string): never => {
  process.stderr.write(`${m}\n`);
  process.exit(1);
};

const headsPath = resolve(REPO_ROOT, "models/m2/heads.json");
const metricsPath = resolve(REPO_ROOT, "models/m2/metrics.json");
const artifact = JSON.parse(readFileSync(headsPath, "utf8")) as M2HeadsArtifact;
const metrics = JSON.parse(readFileSync(metricsPath, "utf8")) as M2Metrics & {
  examples: { row: number; label: string; keywordMatched: boolean; category: string; confidence: number; urgency_score: number }[];
  dataset: { files: { path: string; sha256: string }[] };
};
const encoderPath = resolve(REPO_ROOT, args.encoder ?? `models/m2/${artifact.encoder.id}/model.onnx`);
if (!existsSync(encoderPath)) {
  fail(
    `Encoder not found: ${relative(REPO_ROOT, encoderPath)}\n` +
      `The committed heads are bound to "${artifact.encoder.id}" (sha256 ${artifact.encoder.sha256}). ` +
      "Run `npm run models:setup` to fetch it, or pass --encoder PATH to the file.",
  );
}
const file = await readEncoderFile(encoderPath);
if (file.sha256 !== artifact.encoder.sha256) {
  fail(`${relative(REPO_ROOT, encoderPath)} has sha256 ${file.sha256}, but models/m2/heads.json is bound to ${artifact.encoder.sha256}`);
}
const heads = loadM2Heads(artifact, file.sha256);

const data = await loadTrainingFiles(metrics.dataset.files.map((f) => resolve(REPO_ROOT, f.path))).catch(exitIfDatasetMissing);
const changed = data.files.filter((f, i) => f.sha256 !== metrics.dataset.files[i]!.sha256);
if (changed.length) fail(`ticket files changed since training: ${changed.map((f) => f.path).join(", ")}; rerun npm run train:m2`);

// The committed M1 as the Worker has it: the inputs the heads read at run time.
const m1Ref = await loadM1Reference();
if (artifact.m1 && artifact.m1.sha256 !== m1Ref.sha256) fail("models/m1/model.json changed since the M2 heads were trained: rerun npm run train:m2");
const m1 = loadM1(m1Ref.artifact);
const m1Urgency = loadUrgencyRidge(m1Ref.urgencyArtifact, m1.featureCount);

const embedder = await encoderEmbedder(file, artifact.encoder.pooling, artifact.encoder.maxLength);
let worst = { confidence: 0, urgency: 0 };
const mismatches: string[] = [];
try {
  for (const ex of metrics.examples) {
    const t = data.tickets[ex.row]!;
    const text = data.texts[ex.row]!;
    if (t.category !== ex.label) fail(`row ${ex.row} is ${t.category} now, ${ex.label} when trained: the ticket files differ`);
    const keywordMatched = ticketUrgency(t.subject, t.body).keywordMatched;
    const [embedding] = await embedder.embed([text]);
    const p = heads.predict(embedding!, {
      keywordMatched,
      m1Margins: m1.margins(text),
      m1Urgency: m1Urgency.predictRow(m1.features(text), keywordMatched),
    });
    worst = {
      confidence: Math.max(worst.confidence, Math.abs(p.confidence - ex.confidence)),
      urgency: Math.max(worst.urgency, Math.abs(p.urgency_score - ex.urgency_score)),
    };
    if (p.category !== ex.category || Math.abs(p.confidence - ex.confidence) > TOLERANCE || Math.abs(p.urgency_score - ex.urgency_score) > TOLERANCE) {
      mismatches.push(`row ${ex.row}: ${p.category} ${p.confidence.toFixed(6)} / ${p.urgency_score.toFixed(6)}, trained ${ex.category} ${ex.confidence} / ${ex.urgency_score}`);
    }
  }
} finally {
  await embedder.release();
}
out(
  `${metrics.examples.length} example tickets re-embedded through the Worker's path: ` +
    `max |Δ confidence| ${worst.confidence.toExponential(2)}, max |Δ urgency| ${worst.urgency.toExponential(2)} (tolerance ${TOLERANCE})`,
);
if (mismatches.length) fail(`the committed heads do not reproduce their examples:\n  ${mismatches.join("\n  ")}`);

if (args.cv) {
  const dir = ".tmp/eval-m2";
  out(`re-running the grouped CV (npm run train:m2 -- --out ${dir}) …`);
  const run = spawnSync(process.execPath, ["training/train-m2.ts", "--encoder", encoderPath, "--encoder-id", artifact.encoder.id, "--out", dir], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (run.status !== 0) fail(`train:m2 exited with ${run.status}`);
  const again = JSON.parse(readFileSync(resolve(REPO_ROOT, dir, "metrics.json"), "utf8")) as M2Metrics;
  const same = JSON.stringify(again.comparison) === JSON.stringify(metrics.comparison) && JSON.stringify(again.serve) === JSON.stringify(metrics.serve);
  if (!same) fail(`the rerun's comparison or serve block differs from models/m2/metrics.json (see ${dir}/metrics.json)`);
  out("the rerun gives the committed comparison figures and serving decision");
}

out("\nREADME (root), M2 against M1:\n");
out(m2ReadmeTable(metrics));
out("\nmodels/m2/README.md, figures block:\n");
out(m2Figures(metrics));
out(`\nserve.category: ${metrics.serve.category.model} — ${metrics.serve.category.reason}`);
out(`serve.urgency: ${metrics.serve.urgency.model} — ${metrics.serve.urgency.reason}`);
