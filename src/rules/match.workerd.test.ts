// In workerd, so natural's stemmers are known to run where the Worker runs.
import { describe, expect, it } from "vitest";
import { defaultRules } from "./default.ts";
import { compileRules, matchRules } from "./match.ts";
import { parseRulesFile } from "./schema.ts";

const rules = compileRules(
  parseRulesFile({
    format: "smart-support-rules/1",
    categories: ["Billing", "Legal", "Technical"],
    combine: { boost: 2, maxEvidence: 2 },
    rules: [
      { id: "b.en.invoice", category: "Billing", language: "en", terms: ["invoice"] },
      { id: "b.es.refund", category: "Billing", language: "es", terms: ["reembolso"] },
      { id: "b.fr.payment", category: "Billing", language: "fr", terms: ["paiement"], stem: false },
      { id: "b.pt.payment", category: "Billing", language: "pt", terms: ["pagamento"] },
      { id: "l.en.contract", category: "Legal", language: "en", terms: ["contract"] },
      { id: "l.en.terms", category: "Legal", language: "en", terms: ["terms and conditions"] },
      { id: "l.en.gdpr", category: "Legal", language: "en", terms: ["gdpr"], with: ["deletion"] },
      { id: "l.de.termination", category: "Legal", language: "de", terms: ["kündigung"] },
      { id: "l.fr.payroll", category: "Legal", language: "fr", terms: ["paie"], stem: false },
      { id: "l.pt.payroll", category: "Legal", language: "pt", terms: ["folha de pagamento"] },
      { id: "t.de.outage", category: "Technical", language: "de", terms: ["*ausfall"] },
    ],
  }),
);
const ids = (subject: string, body = "") => matchRules(rules, subject, body).map((h) => h.id);

describe("matchRules", () => {
  it("matches inflected forms through each language's stemmer", () => {
    expect(ids("Invoices missing", "both invoiced twice")).toEqual(["b.en.invoice"]);
    expect(ids("Reembolsos pendientes")).toEqual(["b.es.refund"]);
    expect(ids("Zwei Kündigungen")).toEqual(["l.de.termination"]);
  });

  it("folds case and accents, in subject and body", () => {
    expect(ids("", "KUNDIGUNG zum Monatsende")).toEqual(["l.de.termination"]);
    expect(ids("INVOICE")).toEqual(["b.en.invoice"]);
  });

  it("never matches inside a word", () => {
    expect(ids("Contractor onboarding", "our contractors need access")).toEqual([]);
    expect(ids("Contract renewal")).toEqual(["l.en.contract"]);
  });

  it("matches a phrase only as consecutive words", () => {
    expect(ids("Terms and conditions")).toEqual(["l.en.terms"]);
    expect(ids("Terms of the conditions")).toEqual([]);
  });

  it("lets the longest phrase speak for its words", () => {
    expect(ids("Erro na folha de pagamento")).toEqual(["l.pt.payroll"]);
    expect(ids("Pagamento recusado")).toEqual(["b.pt.payment"]);
  });

  it("matches a * term as the end of a compound word", () => {
    expect(ids("Serverausfall seit heute")).toEqual(["t.de.outage"]);
    expect(ids("Ausfälle im Netz")).toEqual(["t.de.outage"]);
    expect(ids("Ausfallsicherheit")).toEqual([]);
  });

  it("matches stem: false rules on the word itself, so colliding stems stay apart", () => {
    expect(ids("Erreur sur ma fiche de paie")).toEqual(["l.fr.payroll"]);
    expect(ids("Paiement refusé")).toEqual(["b.fr.payment"]);
  });

  it("needs one of with's terms as well when the rule has them", () => {
    expect(ids("GDPR compliance of our EMR integration")).toEqual([]);
    expect(ids("GDPR data deletion")).toEqual(["l.en.gdpr"]);
  });

  it("returns nothing for a ticket without words", () => {
    expect(ids("", "!!! ???")).toEqual([]);
  });

  it("compiles the shipped rules and finds the issue's examples", () => {
    const shipped = defaultRules();
    const cats = (s: string) => [...new Set(matchRules(shipped, s, "").map((h) => h.category))];
    expect(cats("GDPR data deletion")).toEqual(["Legal"]);
    expect(cats("Payroll error")).toEqual(["Legal"]);
    expect(cats("Gehaltsabrechnung falsch")).toEqual(["Legal"]);
    expect(cats("Rückerstattung")).toEqual(["Billing"]);
    expect(cats("Refund")).toEqual(["Billing"]);
    expect(cats("Ausfall")).toEqual(["Technical"]);
    expect(cats("Outage")).toEqual(["Technical"]);
  });
});
