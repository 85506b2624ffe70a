import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import m1Json from "../models/m1/model.json" with { type: "json" };
import ridgeJson from "../models/m1/urgency-ridge.json" with { type: "json" };
import { loadTickets, REPO_ROOT, SAMPLE_DATASET_PATH } from "../dataset/load.ts";
import { decodeFloat32 } from "../src/ml/float32-base64.ts";
import { encodeFloat32 } from "./float32-base64.ts";
import { loadM1, type M1Artifact } from "../src/m1/model.ts";
import { ticketText } from "../src/ml/text.ts";
import { ticketUrgency } from "../src/ml/urgency.ts";
import { loadUrgencyRidge, type UrgencyRidgeArtifact } from "../src/m1/urgency-ridge.ts";

const m1Artifact = m1Json as M1Artifact;
const artifact = ridgeJson as UrgencyRidgeArtifact;
const m1Model = loadM1(m1Artifact);
const width = m1Model.featureCount;
const ridge = loadUrgencyRidge(artifact, width);

function urgency(subject: string, body: string): number {
  const row = m1Model.features(ticketText(subject, body));
  return ridge.predictRow(row, ticketUrgency(subject, body).keywordMatched);
}

const OUTAGE = {
  subject: "Production outage: all servers down",
  body: "Our whole production system is down since 3am and customers cannot log in. Please fix this immediately, it is critical!",
};
const FEATURE_QUESTION = {
  subject: "Feature suggestion",
  body: "Hello, I hope you are well. Would it be possible to add a dark mode to the dashboard in a future release? Thank you very much.",
};

describe("committed urgency ridge against the committed M1 artefact", () => {
  it("was trained against this exact model.json (retrain with npm run train:urgency if not)", () => {
    const sha256 = createHash("sha256")
      .update(readFileSync(resolve(REPO_ROOT, "models/m1/model.json")))
      .digest("hex");
    expect(artifact.m1).toEqual({ name: m1Artifact.name, sha256, features: width });
  });

  it("features() rows reproduce the SVM margins, so one transform can feed both models", () => {
    const m1 = loadM1(m1Artifact);
    const svmCoef = decodeFloat32(m1Artifact.coef);
    for (const t of [OUTAGE, FEATURE_QUESTION]) {
      const text = ticketText(t.subject, t.body);
      const row = m1Model.features(text);
      const k = m1.classes.length;
      // Re-deriving the margins from our rows catches any drift from loadM1's union.
      const expected = m1.margins(text);
      for (let c = 0; c < k; c++) {
        let s = m1Artifact.intercept[c]! + m1Artifact.classBias[c]!;
        for (let j = 0; j < row.indices.length; j++) s += svmCoef[c * width + row.indices[j]!]! * row.values[j]!;
        expect(s).toBeCloseTo(expected[c]!, 9);
      }
    }
  });

  it("scores an urgent outage above a polite feature question", () => {
    expect(urgency(OUTAGE.subject, OUTAGE.body)).toBeGreaterThan(urgency(FEATURE_QUESTION.subject, FEATURE_QUESTION.body));
  });

  it("orders them by the text too, with the keyword flag held equal", () => {
    const rowOf = (t: typeof OUTAGE) => m1Model.features(ticketText(t.subject, t.body));
    for (const kw of [false, true]) {
      expect(ridge.predictRow(rowOf(OUTAGE), kw)).toBeGreaterThan(ridge.predictRow(rowOf(FEATURE_QUESTION), kw));
    }
  });

  it("keeps every sample prediction in [0, 1] and ranks high-priority tickets above low ones on average", async () => {
    const { tickets } = await loadTickets(SAMPLE_DATASET_PATH);
    const byPriority = new Map<string, number[]>();
    for (const t of tickets) {
      const u = urgency(t.subject, t.body);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThanOrEqual(1);
      if (!byPriority.has(t.priority)) byPriority.set(t.priority, []);
      byPriority.get(t.priority)!.push(u);
    }
    const mean = (p: string) => byPriority.get(p)!.reduce((s, v) => s + v, 0) / byPriority.get(p)!.length;
    expect(mean("high")).toBeGreaterThan(mean("medium"));
    expect(mean("medium")).toBeGreaterThan(mean("low"));
  });
});

describe("loadUrgencyRidge validation", () => {
  const tiny = (coef: number[], over: Partial<UrgencyRidgeArtifact> = {}): UrgencyRidgeArtifact => ({
    format: "smart-support-urgency-ridge/1",
    m1: { name: "test", sha256: "0".repeat(64), features: coef.length },
    coef: encodeFloat32(coef),
    intercept: 0.5,
    keywordCoef: 0.2,
    alpha: 1,
    meta: {},
    ...over,
  });
  const row = (indices: number[], values: number[]) => ({ indices: Int32Array.from(indices), values: Float64Array.from(values) });

  it("refuses a model trained on another feature width, naming both widths", () => {
    expect(() => loadUrgencyRidge(artifact, width + 1)).toThrow(
      new RegExp(`trained on ${width} features .* has ${width + 1}: retrain with npm run train:urgency`),
    );
  });

  it("refuses an unknown format and non-finite weights", () => {
    expect(() => loadUrgencyRidge({ ...tiny([1, 2]), format: "v0" as never }, 2)).toThrow(/unsupported urgency ridge artefact format/);
    expect(() => loadUrgencyRidge(tiny([1, NaN]), 2)).toThrow(/coef\[1\] is not finite/);
    expect(() => loadUrgencyRidge(tiny([1, 2], { keywordCoef: Infinity }), 2)).toThrow(/not finite/);
  });

  it("adds the keyword coefficient only for keyword tickets and clamps into [0, 1]", () => {
    const model = loadUrgencyRidge(tiny([0.1, -2, 3]), 3);
    expect(model.predictRow(row([0], [1]), false)).toBeCloseTo(0.6, 6);
    expect(model.predictRow(row([0], [1]), true)).toBeCloseTo(0.8, 6);
    expect(model.predictRow(row([1], [1]), true)).toBe(0);
    expect(model.predictRow(row([2], [1]), false)).toBe(1);
    expect(model.predictRow(row([], []), false)).toBeCloseTo(0.5, 6);
  });

  it("rejects a row index past the width instead of returning NaN", () => {
    const model = loadUrgencyRidge(tiny([0.1, 0.2]), 2);
    expect(() => model.predictRow(row([2], [1]), false)).toThrow(/outside width 2/);
  });
});
