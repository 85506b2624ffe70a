import { describe, expect, it } from "vitest";
import { evaluateUrgency } from "./urgency-eval.ts";
import { URGENCY_KEYWORDS } from "../src/ml/urgency.ts";

const t = (language: string, priority: string, subject: string, body = "") => ({ language, priority, subject, body });

describe("evaluateUrgency", () => {
  const tickets = [
    t("en", "high", "Server down"), // tp
    t("en", "low", "Urgent question about invoices"), // fp
    t("en", "high", "Please help"), // fn
    t("es", "high", "Servidor caído"), // tp via the Spanish list
    t("es", "medium", "Consulta sobre la factura"), // tn
    t("es", "high", "Error en el portal"), // tp; "error" is in the English and the Spanish list
    t("fr", "high", "Le serveur est down"), // tp by the union (English "down"), missed by the French list alone
    t("fr", "low", "Question sur mon abonnement"), // tn
  ];
  const r = evaluateUrgency(tickets);

  it("scores the union of the lists overall and per ticket language", () => {
    expect(r.all).toMatchObject({ rows: 8, positives: 5, flagged: 5, precision: 4 / 5, recall: 4 / 5 });
    expect(r.byLanguage.en).toMatchObject({ rows: 3, positives: 2, flagged: 2, precision: 0.5, recall: 0.5 });
    expect(r.byLanguage.es).toMatchObject({ rows: 3, positives: 2, flagged: 2, precision: 1, recall: 1 });
    expect(r.byLanguage.fr).toMatchObject({ rows: 2, positives: 1, flagged: 1, precision: 1, recall: 1 });
    expect(Object.keys(r.byLanguage)).toEqual(["en", "es", "fr"]);
  });

  it("keeps the per-language scores at the top level too (what train:m1's metrics.json and the card read)", () => {
    expect(r.en).toEqual(r.byLanguage.en);
    expect(r.es).toEqual(r.byLanguage.es);
  });

  it("scores each language's tickets with its own list alone", () => {
    expect(r.ownList.fr).toMatchObject({ rows: 2, flagged: 0, recall: 0 });
    expect(r.ownList.es).toEqual(r.byLanguage.es);
    expect(Object.keys(r.ownList)).toEqual(["en", "es", "fr"]);
  });

  it("gives the high-priority share, the precision of flagging every ticket", () => {
    expect(r.all.highShare).toBe(5 / 8);
    expect(r.byLanguage.es!.highShare).toBe(2 / 3);
    expect(r.keywords).toBe(URGENCY_KEYWORDS);
  });
});
