/// <reference types="vite/client" />
/**
 * The committed M1 artefact inside workerd: it loads from the bundled JSON and
 * classifies tickets as the training metrics say it should.
 */
import { describe, expect, it } from "vitest";
import artifact from "../models/m1/model.json";
import metrics from "../models/m1/metrics.json";
// Read in place from the shared folder at test time; never copied into the repo.
import sampleCsv from "../../shared/dataset/tickets-sample.csv?raw";
import { ticketsFromCsv } from "../dataset/tickets.ts";
import { CATEGORIES } from "../src/ml/categories.ts";
import { loadM1, type M1Artifact } from "../src/m1/model.ts";

const model = loadM1(artifact as unknown as M1Artifact);

function expectValidPrediction(p: ReturnType<typeof model.predict>) {
  expect(CATEGORIES).toContain(p.category);
  expect(p.confidence).toBeGreaterThanOrEqual(0);
  expect(p.confidence).toBeLessThanOrEqual(1);
  expect(p.confidence).toBe(p.scores[p.category]);
  expect(Object.values(p.scores).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 9);
  // The predicted category is the most probable one.
  for (const c of CATEGORIES) expect(p.scores[c]).toBeLessThanOrEqual(p.confidence);
}

describe("M1 artefact in workerd", () => {
  it("loads with its three categories", () => {
    expect([...model.classes].sort()).toEqual([...CATEGORIES].sort());
  });

  it("classifies an obvious refund request as Billing", () => {
    const p = model.predict(
      "Refund for duplicate charge",
      "Hello, I was charged twice for my subscription this month. Please refund the duplicate payment and send a corrected invoice.",
    );
    expectValidPrediction(p);
    expect(p.category).toBe("Billing");
    expect(p.confidence).toBeGreaterThan(0.5);
  });

  it("classifies a platform outage as Technical", () => {
    const p = model.predict(
      "Service outage",
      "Our production servers are down since 3am, a complete outage of the platform; all services are unavailable.",
    );
    expectValidPrediction(p);
    expect(p.category).toBe("Technical");
    expect(p.confidence).toBeGreaterThan(0.5);
  });

  it("handles an empty subject and a German ticket", () => {
    expectValidPrediction(model.predict("", "Die VPN-Verbindung ist seit dem Update ausgefallen."));
    expect(model.predict("Rückerstattung", "Mir wurde die Rechnung doppelt abgebucht, bitte erstatten Sie den Betrag.").category).toBe(
      "Billing",
    );
  });

  // Rows the trainer recorded in metrics.json: per category, tickets the shipped
  // configuration got right out of fold (or, for Legal, which is not learnt out of
  // fold on the sample, rows of its own training set; they pin the class order).
  const { tickets } = ticketsFromCsv(sampleCsv);
  const examples = Object.entries(metrics.examples as Record<string, { row: number; source: string }[]>).flatMap(
    ([category, rows]) => rows.map((r) => [category, r.row, r.source] as const),
  );

  it("has recorded examples for every category", () => {
    expect(new Set(examples.map((e) => e[0]))).toEqual(new Set(CATEGORIES));
  });

  it.each(examples)("classifies a %s ticket (row %i, %s) as such", (category, row, _source) => {
    const t = tickets[row]!;
    expect(t.category).toBe(category);
    const p = model.predict(t.subject, t.body);
    expectValidPrediction(p);
    expect(p.category).toBe(category);
  });
});
