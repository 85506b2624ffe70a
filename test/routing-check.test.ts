// Issue 11 §6: short, unambiguous tickets of our own (test/fixtures/routing-check.json), routed
// by the Worker's own M1 and rules as the API will route them. The per-category table of this
// check is printed by `npm run train:rules` (and recorded in models/rules/metrics.json).
import { describe, expect, it } from "vitest";
import check from "./fixtures/routing-check.json" with { type: "json" };
import { isolateM1 } from "../src/m1/isolate.ts";
import { CATEGORIES } from "../src/ml/categories.ts";
import { decideCategory } from "../src/routing/decide.ts";

type CheckTicket = { language: string; category: string; subject: string; body: string };
const tickets = (check as { tickets: CheckTicket[] }).tickets;

describe("routing check", () => {
  it("covers every category in five languages, at least 60 tickets", () => {
    expect(tickets.length).toBeGreaterThanOrEqual(60);
    for (const c of CATEGORIES) for (const l of ["en", "de", "es", "fr", "pt"]) {
      expect(tickets.filter((t) => t.category === c && t.language === l).length, `${c}/${l}`).toBeGreaterThanOrEqual(3);
    }
  });

  it("routes at least 90 % right, and every category at least 80 %", () => {
    const { model } = isolateM1();
    const results = tickets.map((t) => ({ t, got: decideCategory(t.subject, t.body, model.predict(t.subject, t.body)) }));
    const misses = results.filter((r) => r.got.category !== r.t.category).map((r) => `[${r.t.language}] ${r.t.category} → ${r.got.category}: ${r.t.subject} (${r.got.reason.detail})`);
    const accuracy = 1 - misses.length / tickets.length;
    expect(accuracy, `overall ${accuracy.toFixed(3)}; misses:\n${misses.join("\n")}`).toBeGreaterThanOrEqual(0.9);
    for (const c of CATEGORIES) {
      const own = results.filter((r) => r.t.category === c);
      const recall = own.filter((r) => r.got.category === c).length / own.length;
      expect(recall, `${c} ${recall.toFixed(3)}; misses:\n${misses.join("\n")}`).toBeGreaterThanOrEqual(0.8);
    }
  });

  it("routes the issue's examples as a support lead expects, and says when a rule decided", () => {
    const { model } = isolateM1();
    const route = (subject: string, body = "") => decideCategory(subject, body, model.predict(subject, body));
    expect(route("Server broken", "Production API returning 500 errors ASAP").category).toBe("Technical");
    for (const subject of ["GDPR data deletion", "contract termination", "payroll error"]) {
      const d = route(subject);
      expect(d.category, subject).toBe("Legal");
      expect(d.reason.rules.length, subject).toBeGreaterThan(0);
    }
  });
});
