import { describe, expect, it } from "vitest";
import file from "../../models/rules/default.json" with { type: "json" };
import { CATEGORIES } from "../ml/categories.ts";
import { parseRulesFile, RulesFileError, RULE_LANGUAGES } from "./schema.ts";

const base = () => ({
  format: "smart-support-rules/1",
  categories: ["Billing", "Legal"],
  combine: { boost: 2, maxEvidence: 2 },
  rules: [
    { id: "billing.en.invoice", category: "Billing", language: "en", terms: ["invoice"] },
    { id: "legal.en.gdpr", category: "Legal", language: "en", terms: ["gdpr"], with: ["delete"] },
  ],
});

function errorOf(value: unknown): string {
  try {
    parseRulesFile(value, "test.json");
  } catch (e) {
    expect(e).toBeInstanceOf(RulesFileError);
    return (e as Error).message;
  }
  throw new Error("expected the file to be refused");
}

describe("rules file schema", () => {
  it("accepts the shipped rules: every category of the model, every language, ids unique", () => {
    const rules = parseRulesFile(file);
    expect(rules.categories).toEqual([...CATEGORIES]);
    for (const c of CATEGORIES) for (const l of RULE_LANGUAGES) expect(rules.rules.some((r) => r.category === c && r.language === l), `${c}/${l}`).toBe(true);
    expect(new Set(rules.rules.map((r) => r.id)).size).toBe(rules.rules.length);
  });

  it("defaults stem to true and keeps with", () => {
    const rules = parseRulesFile(base());
    expect(rules.rules[0]!.stem).toBe(true);
    expect(rules.rules[1]!.with).toEqual(["delete"]);
  });

  it("names the file and the field of each problem", () => {
    const bad = base();
    bad.rules[1]!.category = "Sales";
    expect(errorOf(bad)).toBe('test.json is invalid: rules.1.category: "Sales" is not one of categories (Billing, Legal)');
  });

  it("refuses duplicate ids", () => {
    const bad = base();
    bad.rules[1]!.id = "billing.en.invoice";
    expect(errorOf(bad)).toContain('rules.1.id: duplicate rule id "billing.en.invoice"');
  });

  it("refuses empty terms, blank terms, bad ids, unknown languages and keys, short * terms, bad constants", () => {
    const cases: [(f: ReturnType<typeof base>) => void, string][] = [
      [(f) => (f.rules[0]!.terms = []), "rules.0.terms: a rule needs at least one term"],
      [(f) => (f.rules[0]!.terms = ["  "]), "rules.0.terms.0: a term must not be empty"],
      [(f) => (f.rules[0]!.terms = ["*aus"]), 'rules.0.terms.0: a "*" term is one word of at least 4 letters'],
      [(f) => (f.rules[0]!.terms = ["--"]), "rules.0.terms.0: a term needs at least one letter or digit"],
      [(f) => (f.rules[0]!.id = "Billing Invoice"), "rules.0.id: an id is lower-case letters"],
      [(f) => (f.rules[0]!.language = "it"), "rules.0.language:"],
      [(f) => Object.assign(f.rules[0]!, { weight: 2 }), "rules.0: Unrecognized key"],
      [(f) => (f.combine.boost = -1), "combine.boost:"],
      [(f) => (f.combine.maxEvidence = 1.5), "combine.maxEvidence:"],
      [(f) => (f.format = "smart-support-rules/2"), "format:"],
    ];
    for (const [mutate, message] of cases) {
      const bad = base();
      mutate(bad);
      expect(errorOf(bad)).toContain(message);
    }
  });

  it("refuses a file that is not an object", () => {
    expect(errorOf(null)).toMatch(/^test\.json is invalid: \(root\): /);
  });
});
