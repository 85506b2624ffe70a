import { describe, expect, it } from "vitest";
import type { M2Prediction } from "../m2/heads.ts";
import { describeServing, type M2Scorer, type M2Ticket } from "../m2/scorer.ts";
import type { M2Serve } from "../m2/heads.ts";
import { isolateM1 } from "../m1/isolate.ts";
import { ticketText } from "../ml/text.ts";
import { createScorer, scoreWithM1 } from "./score.ts";

const OUTAGE = { subject: "URGENT: production outage", body: "Our platform is down and nobody can log in. Please fix immediately!" };
const INVOICE = { subject: "Invoice", body: "I was charged twice, please refund my invoice." };
const M1 = { model: "m1" as const, reason: "M1 wins" };
const M2 = { model: "m2" as const, reason: "M2 wins" };

/** An M2 that always predicts Legal with urgency 0.123 (nothing M1 would say), recording what it was given. */
function fakeM2(serve: M2Serve, fails: (t: M2Ticket) => boolean = () => false) {
  const calls: M2Ticket[][] = [];
  const predict = (): M2Prediction => ({ category: "Legal", confidence: 0.77, scores: { Billing: 0.1, Legal: 0.77, Technical: 0.13 }, urgency_score: 0.123 });
  const m2: M2Scorer = {
    headsEncoder: "a".repeat(64),
    serving: describeServing(serve),
    status: () => ({ state: "idle" }),
    async scoreBatch(tickets) {
      calls.push([...tickets]);
      return tickets.map((t) => (fails(t) ? null : predict()));
    },
    async score() {
      throw new Error("the pipeline scores through scoreBatch");
    },
  };
  return { m2, calls };
}

describe("createScorer", () => {
  it("takes both fields from M2 when serve says so, with M1's margins (M1's class order) as its input", async () => {
    const { m2, calls } = fakeM2({ category: M2, urgency: M2 });
    const score = await createScorer(m2)(OUTAGE.subject, OUTAGE.body);
    expect(score).toEqual({ category: "Legal", confidence: 0.77, urgency_score: 0.123, model_used: "m2", urgency_model: "m2" });
    const [sent] = calls[0]!;
    expect(sent!.keywordMatched).toBe(true);
    const { model } = isolateM1();
    expect(Array.from(sent!.m1Margins!)).toEqual(Array.from(model.margins(ticketText(OUTAGE.subject, OUTAGE.body))));
    expect(sent!.m1Margins!.length).toBe(model.classes.length);
  });

  it("takes each field from the model serve names", async () => {
    const m1 = scoreWithM1(OUTAGE.subject, OUTAGE.body);
    const categoryOnly = await createScorer(fakeM2({ category: M2, urgency: M1 }).m2)(OUTAGE.subject, OUTAGE.body);
    expect(categoryOnly).toEqual({ category: "Legal", confidence: 0.77, model_used: "m2", urgency_score: m1.urgency_score, urgency_model: "m1" });
    const urgencyOnly = await createScorer(fakeM2({ category: M1, urgency: M2 }).m2)(OUTAGE.subject, OUTAGE.body);
    expect(urgencyOnly).toEqual({ category: m1.category, confidence: m1.confidence, model_used: "m1", urgency_score: 0.123, urgency_model: "m2" });
  });

  it("does not call M2 when serve names M1 for both fields", async () => {
    const { m2, calls } = fakeM2({ category: M1, urgency: M1 });
    const score = await createScorer(m2)(OUTAGE.subject, OUTAGE.body);
    expect(score).toEqual(scoreWithM1(OUTAGE.subject, OUTAGE.body));
    expect(calls).toEqual([]);
  });

  it("scores a batch with one M2 call; a ticket M2 cannot score gets M1 for both fields", async () => {
    const { m2, calls } = fakeM2({ category: M2, urgency: M2 }, (t) => t.subject === INVOICE.subject);
    const results = await createScorer(m2).batch([OUTAGE, INVOICE, OUTAGE]);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.map((t) => t.subject)).toEqual([OUTAGE.subject, INVOICE.subject, OUTAGE.subject]);
    expect(results.map((r) => (r.status === "fulfilled" ? [r.value.model_used, r.value.urgency_model] : r.status))).toEqual([
      ["m2", "m2"],
      ["m1", "m1"],
      ["m2", "m2"],
    ]);
    expect(results[1]).toEqual({ status: "fulfilled", value: scoreWithM1(INVOICE.subject, INVOICE.body) });
  });

  it("without M2 is M1 for every ticket", async () => {
    expect(await createScorer(null).batch([INVOICE])).toEqual([{ status: "fulfilled", value: scoreWithM1(INVOICE.subject, INVOICE.body) }]);
  });
});
