import { describe, expect, it } from "vitest";
import type { LoadOutcome } from "./availability.ts";
import type { M2Prediction } from "./heads.ts";
import { lengthGroups } from "./load.ts";
import { createM2Scorer, describeServing, type LoadedM2, type M2Ticket } from "./scorer.ts";
import { headsBinding } from "./heads.ts";
import { BUNDLED_VOCAB_SHA256 } from "./vocab.ts";

const SHA = "a".repeat(64);
const M1 = { model: "m1" as const, reason: "M1 macro-F1 0.58 vs M2 0.55" };
const M2 = { model: "m2" as const, reason: "M2 macro-F1 0.61 vs M1 0.55" };

function prediction(urgency: number): M2Prediction {
  return { category: "Technical", confidence: 0.9, scores: { Billing: 0.05, Legal: 0.05, Technical: 0.9 }, urgency_score: urgency };
}

/** A loaded M2 that records each batch and fails the tickets whose subject says so. */
function fakeM2() {
  const batches: M2Ticket[][] = [];
  const loaded: LoadedM2 = {
    async scoreBatch(tickets) {
      batches.push([...tickets]);
      return tickets.map((t, i) => (t.subject === "poison" ? new Error(`cannot embed ${t.subject}`) : prediction(i / 10)));
    },
  };
  let loads = 0;
  const load = async (): Promise<LoadOutcome<LoadedM2>> => {
    loads += 1;
    return { state: "ready", value: loaded, source: "fake" };
  };
  return { batches, load, loads: () => loads };
}

const ticket = (subject: string): M2Ticket => ({ subject, body: "b", keywordMatched: false, m1Margins: [1, 2, 3] });

describe("M2 scorer", () => {
  it("scores a batch in one call, M1's margins passed through, in order", async () => {
    const fake = fakeM2();
    const m2 = createM2Scorer(fake.load, { headsEncoder: SHA, serve: { category: M2, urgency: M2 } });
    const out = await m2.scoreBatch([ticket("a"), ticket("b"), ticket("c")]);
    expect(out.map((p) => p?.urgency_score)).toEqual([0, 0.1, 0.2]);
    expect(fake.batches).toHaveLength(1);
    expect(fake.batches[0]!.map((t) => t.m1Margins)).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    expect(m2.status()).toMatchObject({ state: "ready", source: "fake" });
  });

  it("gives null for the one ticket M2 cannot score and keeps serving the others", async () => {
    const fake = fakeM2();
    const m2 = createM2Scorer(fake.load, { headsEncoder: SHA, serve: { category: M2, urgency: M2 } });
    const out = await m2.scoreBatch([ticket("a"), ticket("poison"), ticket("c")]);
    expect(out.map((p) => p === null)).toEqual([false, true, false]);
    expect(m2.status().state).toBe("ready");
  });

  it("reports a batch where every ticket failed as an inference failure", async () => {
    const fake = fakeM2();
    const m2 = createM2Scorer(fake.load, { headsEncoder: SHA, serve: { category: M2, urgency: M1 } });
    expect(await m2.score({ subject: "poison", body: "b", keywordMatched: false })).toBeNull();
    expect(m2.status()).toMatchObject({ state: "failed", reason: "M2 inference failed: cannot embed poison" });
  });

  it("never loads when serve names M1 for both fields", async () => {
    const fake = fakeM2();
    const m2 = createM2Scorer(fake.load, { headsEncoder: SHA, serve: { category: M1, urgency: M1 } });
    expect(await m2.scoreBatch([ticket("a"), ticket("b")])).toEqual([null, null]);
    expect(fake.loads()).toBe(0);
    expect(m2.status()).toEqual({ state: "idle" });
    expect(m2.serving).toMatchObject({ usesM2: false, summary: `M1 serves category and urgency: ${M1.reason}` });
  });

  it("summarises a split decision field by field", () => {
    expect(describeServing({ category: M2, urgency: M1 })).toMatchObject({
      usesM2: true,
      summary: `M2 serves category (${M2.reason}); M1 serves urgency (${M1.reason})`,
    });
  });
});

describe("lengthGroups", () => {
  it("groups tickets shortest first while padding stays within the factor, every ticket exactly once", () => {
    const lengths = [100, 20, 22, 256, 24, 90, 240];
    const groups = lengthGroups(lengths, 1.25);
    expect(groups).toEqual([[1, 2, 4], [5, 0], [6, 3]]);
    expect(groups.flat().sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const g of groups) {
      const longest = Math.max(...g.map((i) => lengths[i]!));
      const real = g.reduce((sum, i) => sum + lengths[i]!, 0);
      expect(g.length * longest).toBeLessThanOrEqual(1.25 * real);
    }
  });

  it("with factor 1 only batches equal lengths; with a huge one, everything together", () => {
    expect(lengthGroups([5, 5, 6], 1)).toEqual([[0, 1], [2]]);
    expect(lengthGroups([5, 50, 6], 100)).toEqual([[0, 2, 1]]);
    expect(lengthGroups([])).toEqual([]);
  });
});

describe("headsBinding", () => {
  it("refuses /1 heads: they name no encoder id, vocabulary or serve block", () => {
    expect(() => headsBinding({ format: "smart-support-m2-heads/1", encoder: { sha256: SHA, name: "tiny-encoder", pooling: "mean", maxLength: 128, dim: 768 } })).toThrow(
      /unsupported format smart-support-m2-heads\/1 \(expected smart-support-m2-heads\/2; retrain with npm run train:m2\)/,
    );
  });

  it("reads /2 heads' id, vocab and serve block, refusing a missing or malformed one", () => {
    const encoder = { id: "all-minilm-l6-v2-int8", name: "MiniLM", sha256: SHA, pooling: "mean", maxLength: 256, dim: 384, vocabSha256: "b".repeat(64) };
    const serve = { category: M2, urgency: M1 };
    expect(headsBinding({ format: "smart-support-m2-heads/2", encoder, serve })).toEqual({ encoder, serve });
    expect(() => headsBinding({ format: "smart-support-m2-heads/2", encoder })).toThrow(/serve: /);
    expect(() => headsBinding({ format: "smart-support-m2-heads/2", encoder: { ...encoder, id: "../x" }, serve })).toThrow(/encoder\.id: must be an encoder manifest id/);
    expect(() => headsBinding({ format: "smart-support-m2-heads/2", encoder: { ...encoder, vocabSha256: "x" }, serve })).toThrow(/encoder\.vocabSha256: must be 64 lower-case hex digits/);
    expect(() => headsBinding({ format: "smart-support-m2-heads/2", encoder, serve: { category: { model: "m3", reason: "r" }, urgency: M1 } })).toThrow(/serve\.category\.model: /);
  });
});
