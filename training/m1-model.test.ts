import { beforeAll, describe, expect, it } from "vitest";
import committed from "../models/m1/model.json" with { type: "json" };
import metrics from "../models/m1/metrics.json" with { type: "json" };
import { loadM1, type M1Artifact } from "../src/m1/model.ts";
import { ticketText } from "../src/ml/text.ts";
import { buildArtifact } from "./artifact.ts";
import { defaultM1Files, loadTrainingFiles, type TrainingData } from "./data.ts";
import { encodeFloat32 } from "./float32-base64.ts";
import { predictTexts, trainM1, type TrainedM1 } from "./m1-pipeline.ts";
import { CANDIDATE_CONFIGS } from "./m1-candidates.ts";
import { SEED_CONFIG } from "./seed.ts";

let data: TrainingData;
beforeAll(async () => {
  // What train:m1 reads by default, so the committed metrics describe these rows.
  data = await loadTrainingFiles(defaultM1Files());
});

describe("artefact round trip", () => {
  let trained: TrainedM1;
  let texts: string[];
  beforeAll(() => {
    // A small stratified slice keeps this fast; every category is present.
    const rows = data.labels.flatMap((l, i) => (l === "Legal" || i % 6 === 0 ? [i] : []));
    texts = rows.map((i) => data.texts[i]!);
    const wordsAndChars = CANDIDATE_CONFIGS.find((c) => c.features.length === 2)!;
    trained = trainM1(texts, rows.map((i) => data.labels[i]!), null, wordsAndChars);
  });

  it("predicts what the trainer predicts, margins within float32 error", () => {
    const model = loadM1(buildArtifact(trained, 0.5, {}));
    const reference = predictTexts(trained, texts);
    texts.forEach((t, r) => {
      const m = model.margins(t);
      reference.margins[r]!.forEach((v, k) => expect(Math.abs(m[k]! - v)).toBeLessThan(1e-4));
    });
    const agree = texts.filter((t, r) => {
      const m = model.margins(t);
      return trained.svm.classes[m.indexOf(Math.max(...m))] === reference.labels[r];
    }).length;
    expect(agree / texts.length).toBeGreaterThanOrEqual(0.995);
  });

  it("exposes the feature rows it scores, for models trained on the same features", () => {
    const model = loadM1(buildArtifact(trained, 1, {}));
    const row = model.features(texts[0]!);
    expect(row.indices.length).toBeGreaterThan(0);
    expect(Math.max(...row.indices)).toBeLessThan(model.featureCount);
    expect(model.featureCount).toBe(trained.union.parts.reduce((s, p) => s + p.terms.length, 0));
  });

  it("applies the class offsets and temperature stored in the artefact", () => {
    const plain = loadM1(buildArtifact(trained, 1, {}));
    const shifted = loadM1(buildArtifact({ ...trained, classBias: [0, 5, 0] }, 1, {}));
    const t = data.tickets[0]!;
    const text = ticketText(t.subject, t.body);
    expect(shifted.margins(text)[1]! - plain.margins(text)[1]!).toBeCloseTo(5, 9);
    expect(shifted.predict(t.subject, t.body).category).toBe("Legal");
    const cold = loadM1(buildArtifact(trained, 10, {})).predict(t.subject, t.body);
    expect(cold.confidence).toBeLessThan(plain.predict(t.subject, t.body).confidence);
  });

  it("loads a model of another taxonomy with its own classes, and scores exactly those", () => {
    const renamed = loadM1({ ...buildArtifact(trained, 1, {}), classes: ["Money", "People", "Machines"] });
    const p = renamed.predict("Refund", "I was charged twice, please refund");
    expect(Object.keys(p.scores).sort()).toEqual(["Machines", "Money", "People"]);
    expect(["Machines", "Money", "People"]).toContain(p.category);
  });

  it("refuses malformed artefacts", () => {
    const good = buildArtifact(trained, 1, {});
    expect(() => loadM1({ ...good, format: "other" } as unknown as M1Artifact)).toThrow(/format/);
    expect(() => loadM1({ ...good, classes: ["Billing", "Legal", "<b>Sales</b>"] })).toThrow(/class "<b>Sales<\/b>" must start with a letter/);
    expect(() => loadM1({ ...good, classes: ["Billing", "Legal", "Legal"] })).toThrow(/distinct/);
    expect(() => loadM1({ ...good, classes: ["Billing"] })).toThrow(/at least two/);
    expect(() => loadM1({ ...good, intercept: [0] })).toThrow(/intercept/);
    expect(() => loadM1({ ...good, temperature: 0 })).toThrow(/temperature/);
    expect(() => loadM1({ ...good, coef: encodeFloat32([1, 2, 3]) })).toThrow(/coef/);
  });
});

describe("committed artefact", () => {
  const artifact = committed as unknown as M1Artifact;

  it("was trained on the dataset metrics.json describes, with the shipped configuration", () => {
    expect((artifact.meta.dataset as { sha256: string }).sha256).toBe(metrics.dataset.sha256);
    expect(artifact.name).toBe(metrics.shipped.name);
    expect(artifact.temperature).toBeCloseTo(metrics.shipped.calibration.temperature, 5);
  });

  it("records the seed baseline over every row of the dataset", () => {
    expect(metrics.baseline.name).toBe(SEED_CONFIG.name);
    expect(metrics.baseline.holdout.testRows + metrics.baseline.holdout.trainRows).toBe(data.tickets.length);
  });
});
