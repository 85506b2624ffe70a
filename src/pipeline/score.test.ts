import { describe, expect, it } from "vitest";
import type { M2Prediction } from "../m2/heads.ts";
import { describeServing, type M2Scorer, type M2Ticket } from "../m2/scorer.ts";
import type { M2Serve } from "../m2/heads.ts";
import { isolateM1 } from "../m1/isolate.ts";
import { ticketText } from "../ml/text.ts";
import { createScorer, scoreWithM1 } from "./score.ts";

const OUTAGE = { subject: "URGENT: production outage", body: "Our platform is down and nobody can log in. Please fix immediately!" };
const INVOICE = { subject: "Invoice", body: "I was charged twice, please refund my invoice." };
/** Matches no shipped rule, so the serving model's category stands. */
const NEUTRAL = { subject: "Hello", body: "Please get back to me about this." };
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
    const score = await createScorer(m2)(NEUTRAL.subject, NEUTRAL.body);
    expect(score).toMatchObject({ category: "Legal", confidence: 0.77, urgency_score: 0.123, model_used: "m2", urgency_model: "m2", routing: "auto" });
    expect(score.reason).toEqual({ decided_by: "model", rules: [], detail: "no rule matched; model said Legal (0.77)" });
    await createScorer(m2)(OUTAGE.subject, OUTAGE.body);
    const [sent] = calls[1]!;
    expect(sent!.keywordMatched).toBe(true);
    const { model } = isolateM1();
    expect(Array.from(sent!.m1Margins!)).toEqual(Array.from(model.margins(ticketText(OUTAGE.subject, OUTAGE.body))));
    expect(sent!.m1Margins!.length).toBe(model.classes.length);
  });

  it("applies the rules to M2's category when M2 serves it: an outage M2 calls Legal is Technical by rule", async () => {
    const score = await createScorer(fakeM2({ category: M2, urgency: M2 }).m2)(OUTAGE.subject, OUTAGE.body);
    expect(score).toMatchObject({ category: "Technical", model_used: "m2", urgency_score: 0.123 });
    expect(score.reason.decided_by).toBe("rule");
    expect(score.reason.rules).toContain("technical.en.outage");
    expect(score.confidence).toBeGreaterThan(0.77);
  });

  it("routes by the thresholds it is given: 1 sends every category to review, 0 none", async () => {
    const review = await createScorer(null, { default: 1, per_category: {} }).batch([OUTAGE, INVOICE]);
    expect(review.map((r) => r.status === "fulfilled" && r.value.routing)).toEqual(["review", "review"]);
    const auto = await createScorer(null, { default: 0, per_category: {} }).batch([OUTAGE, INVOICE]);
    expect(auto.map((r) => r.status === "fulfilled" && r.value.routing)).toEqual(["auto", "auto"]);
    // A per-category threshold above the ticket's confidence sends only that category to review.
    const invoice = scoreWithM1(INVOICE.subject, INVOICE.body);
    const [byCategory] = await createScorer(null, { default: 0, per_category: { [invoice.category]: 1 } }).batch([INVOICE]);
    expect(byCategory).toMatchObject({ status: "fulfilled", value: { category: invoice.category, routing: "review" } });
  });

  it("takes each field from the model serve names", async () => {
    const m1 = scoreWithM1(NEUTRAL.subject, NEUTRAL.body);
    const categoryOnly = await createScorer(fakeM2({ category: M2, urgency: M1 }).m2)(NEUTRAL.subject, NEUTRAL.body);
    expect(categoryOnly).toMatchObject({ category: "Legal", confidence: 0.77, model_used: "m2", urgency_score: m1.urgency_score, urgency_model: "m1" });
    const urgencyOnly = await createScorer(fakeM2({ category: M1, urgency: M2 }).m2)(NEUTRAL.subject, NEUTRAL.body);
    expect(urgencyOnly).toEqual({ ...m1, urgency_score: 0.123, urgency_model: "m2" });
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
