import { describe, expect, it } from "vitest";
import type { M1Prediction } from "../m1/model.ts";
import type { Category } from "../ml/categories.ts";
import { compileRules, type RuleHit } from "../rules/match.ts";
import { parseRulesFile } from "../rules/schema.ts";
import { combine, decideCategory, decideWith, evidenceOf } from "./decide.ts";

const m1 = (scores: Record<string, number>): M1Prediction => {
  const category = Object.entries(scores).sort((a, b) => b[1] - a[1])[0]![0] as Category;
  return { category, confidence: scores[category]!, scores: scores as Record<Category, number> };
};
const hit = (id: string, category: string, language: RuleHit["language"] = "en"): RuleHit => ({ id, category, language });
const constants = { boost: 2, maxEvidence: 2 };
const sum = (s: Record<string, number>) => Object.values(s).reduce((a, b) => a + b, 0);

describe("combine", () => {
  it("is the model's answer when no rule matched", () => {
    const p = m1({ Billing: 0.2, Legal: 0.1, Technical: 0.7 });
    const d = combine(p, [], constants);
    expect(d).toEqual({
      category: "Technical",
      confidence: 0.7,
      scores: p.scores,
      reason: { decided_by: "model", rules: [], detail: "no rule matched; model said Technical (0.70)" },
    });
  });

  it("lets a rule decide when the model is unsure, and keeps a probability", () => {
    const d = combine(m1({ Billing: 0.05, Legal: 0.15, Technical: 0.8 }), [hit("legal.en.payroll", "Legal")], constants);
    // 0.15·e² = 1.108 against 0.8: Legal wins.
    const z = 0.05 + 0.15 * Math.exp(2) + 0.8;
    expect(d.category).toBe("Legal");
    expect(d.confidence).toBeCloseTo((0.15 * Math.exp(2)) / z, 12);
    expect(d.scores.Technical).toBeCloseTo(0.8 / z, 12);
    expect(sum(d.scores)).toBeCloseTo(1, 12);
    expect(d.reason).toEqual({
      decided_by: "rule",
      rules: ["legal.en.payroll"],
      detail: `rules legal.en.payroll point to Legal; model said Technical (0.80), Legal now ${((0.15 * Math.exp(2)) / z).toFixed(2)}`,
    });
  });

  it("keeps a confident model's answer, listing the rules that matched", () => {
    // 0.01·e² = 0.074 against 0.95: the model stays.
    const d = combine(m1({ Billing: 0.04, Legal: 0.01, Technical: 0.95 }), [hit("legal.en.hr", "Legal")], constants);
    expect(d.category).toBe("Technical");
    expect(d.reason.decided_by).toBe("model");
    expect(d.reason.rules).toEqual(["legal.en.hr"]);
    expect(d.reason.detail).toMatch(/^rules legal\.en\.hr \(Legal\) matched; model said Technical \(0\.95\), kept at 0\.\d\d$/);
    expect(d.confidence).toBeLessThan(0.95);
  });

  it("raises the confidence when the rules agree with the model", () => {
    const d = combine(m1({ Billing: 0.6, Legal: 0.1, Technical: 0.3 }), [hit("billing.en.invoice", "Billing")], constants);
    expect(d.category).toBe("Billing");
    expect(d.reason.decided_by).toBe("model");
    expect(d.confidence).toBeGreaterThan(0.6);
  });

  it("between categories with equal evidence, the model's order decides; equal evidence everywhere is the model alone", () => {
    const p = m1({ Billing: 0.3, Legal: 0.25, Technical: 0.45 });
    const two = combine(p, [hit("b", "Billing"), hit("l", "Legal")], constants);
    expect(two.category).toBe("Billing");
    expect(two.reason.decided_by).toBe("rule");
    const all = combine(p, [hit("b", "Billing"), hit("l", "Legal"), hit("t", "Technical")], constants);
    expect(all.category).toBe("Technical");
    expect(all.reason.decided_by).toBe("model");
    expect(all.scores.Technical).toBeCloseTo(0.45, 12);
  });

  it("boost 0 is the model alone", () => {
    const p = m1({ Billing: 0.3, Legal: 0.25, Technical: 0.45 });
    const d = combine(p, [hit("l", "Legal"), hit("l2", "Legal")], { boost: 0, maxEvidence: 3 });
    expect(d.category).toBe("Technical");
    expect(d.scores.Legal).toBeCloseTo(0.25, 12);
  });

  it("counts evidence within one language and caps it at maxEvidence", () => {
    expect(evidenceOf([hit("a", "Legal", "en"), hit("b", "Legal", "es")]).get("Legal")).toBe(1);
    expect(evidenceOf([hit("a", "Legal", "en"), hit("b", "Legal", "en"), hit("c", "Legal", "es")]).get("Legal")).toBe(2);
    const p = m1({ Billing: 0.01, Legal: 0.01, Technical: 0.98 });
    const three = [hit("a", "Legal"), hit("b", "Legal"), hit("c", "Legal")];
    expect(combine(p, three, { boost: 1, maxEvidence: 2 }).scores.Legal).toBeCloseTo(combine(p, three.slice(0, 2), { boost: 1, maxEvidence: 2 }).scores.Legal, 12);
  });
});

describe("decideWith / decideCategory", () => {
  const file = (category: string) =>
    compileRules(
      parseRulesFile({
        format: "smart-support-rules/1",
        categories: [category],
        combine: { boost: 8, maxEvidence: 1 },
        rules: [{ id: "r.en.invoice", category, language: "en", terms: ["invoice"] }],
      }),
    );

  it("ignores rules of a category the model does not have", () => {
    const p = m1({ Billing: 0.1, Legal: 0.1, Technical: 0.8 });
    expect(decideWith(file("Sales"), "Invoice", "", p)).toMatchObject({ category: "Technical", reason: { decided_by: "model", rules: [] } });
    expect(decideWith(file("Billing"), "Invoice", "", p)).toMatchObject({ category: "Billing", reason: { decided_by: "rule", rules: ["r.en.invoice"] } });
  });

  it("uses the shipped rules and constants", () => {
    const d = decideCategory("GDPR data deletion", "", m1({ Billing: 0.1, Legal: 0.2, Technical: 0.7 }));
    expect(d.category).toBe("Legal");
    expect(d.reason.decided_by).toBe("rule");
    expect(d.reason.rules).toEqual(["legal.en.data-protection"]);
  });
});
