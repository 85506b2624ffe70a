/**
 * `npm run bench:m1:node`: how long the committed M1 artefact takes to load and to
 * classify each ticket of the dataset in Node (the lead measures workerd separately).
 * Three passes; the first warms the JIT and is not reported.
 */
import artifact from "../models/m1/model.json" with { type: "json" };
import { loadM1, type M1Artifact } from "../src/m1/model.ts";
import { exitIfDatasetMissing } from "../dataset/load.ts";
import { loadTrainingData } from "../training/data.ts";

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const t0 = performance.now();
const model = loadM1(artifact as M1Artifact);
const loadMs = performance.now() - t0;

const data = await loadTrainingData(process.argv[2]).catch(exitIfDatasetMissing);
const passes: { medianUs: number; p99Us: number; maxUs: number }[] = [];
for (let pass = 0; pass < 3; pass++) {
  const times: number[] = [];
  for (const t of data.tickets) {
    const s = performance.now();
    model.predict(t.subject, t.body);
    times.push((performance.now() - s) * 1000);
  }
  times.sort((a, b) => a - b);
  passes.push({ medianUs: quantile(times, 0.5), p99Us: quantile(times, 0.99), maxUs: times[times.length - 1]! });
}
const [, ...measured] = passes;
const report = {
  model: model.name,
  runtime: `node ${process.version}`,
  tickets: data.tickets.length,
  loadMs: Number(loadMs.toFixed(2)),
  perTicketUs: measured.map((p) => ({ median: Number(p.medianUs.toFixed(1)), p99: Number(p.p99Us.toFixed(1)), max: Number(p.maxUs.toFixed(1)) })),
};
console.log(JSON.stringify(report, null, 2));
