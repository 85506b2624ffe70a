// M2 through the path the Worker takes (load.ts → availability → scorer), in Node, on the
// tiny stand-in encoder and the fixture heads fitted for it (training/tiny-heads.ts; the
// committed models/m2/heads.json is bound to the real encoder); every way M2 falls short
// must leave the ticket to M1 and say why.
import { describe, expect, it } from "vitest";
import headsJson from "../test/fixtures/m2-tiny-heads.json" with { type: "json" };
import { buildTinyEncoder } from "../models/onnx/tiny-encoder.ts";
import { encodeFloat32 } from "./float32-base64.ts";
import { createScorer } from "../src/pipeline/score.ts";
import type { M2HeadsArtifact } from "../src/m2/heads.ts";
import { loadM2 } from "../src/m2/load.ts";
import type { ModelLoad } from "../src/m2/model-source.ts";
import { createM2Scorer } from "../src/m2/scorer.ts";

const HEADS = headsJson as M2HeadsArtifact;
const OUTAGE = { subject: "URGENT: production outage", body: "Our platform is down and nobody can log in. Please fix immediately!" };
const tiny: ModelLoad = { bytes: buildTinyEncoder(), source: "test" };

function counted(load: () => Promise<ModelLoad>) {
  const counter = {
    loads: 0,
    load: () => {
      counter.loads += 1;
      return load();
    },
  };
  return counter;
}

function scorerFor(loadModel: () => Promise<ModelLoad>, options: { heads?: M2HeadsArtifact; now?: () => number; retryAfterMs?: number } = {}) {
  const heads = options.heads ?? HEADS;
  return createM2Scorer(() => loadM2({ heads, loadModel }), { headsEncoder: heads.encoder.sha256, now: options.now, retryAfterMs: options.retryAfterMs });
}

describe("M2 scorer on the tiny stand-in encoder", () => {
  it("scores with the fixture heads, concurrent first tickets sharing one load", async () => {
    const model = counted(async () => tiny);
    const m2 = scorerFor(model.load);
    expect(m2.status()).toEqual({ state: "idle" });
    const [a, b] = await Promise.all([m2.score({ subject: OUTAGE.subject, body: OUTAGE.body, keywordMatched: true }), m2.score({ subject: "Invoice", body: "Charged twice", keywordMatched: false })]);
    expect(model.loads).toBe(1);
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(a!.confidence).toBeGreaterThan(0);
    expect(m2.status()).toMatchObject({ state: "ready", source: "test" });
    expect(m2.headsEncoder).toBe(HEADS.encoder.sha256);
    expect((await createScorer(m2)(OUTAGE.subject, OUTAGE.body)).model_used).toBe("m2");
    expect(model.loads).toBe(1);
  });

  it("absent: M1 scores the ticket and status gives the reason", async () => {
    const m2 = scorerFor(async () => ({ bytes: null, reason: "R2 object x not found" }));
    expect((await createScorer(m2)(OUTAGE.subject, OUTAGE.body)).model_used).toBe("m1");
    expect(m2.status()).toMatchObject({ state: "absent", reason: "R2 object x not found" });

    const throwing = scorerFor(async () => {
      throw new Error("disk on fire");
    });
    expect(await throwing.score({ subject: "a", body: "b", keywordMatched: false })).toBeNull();
    expect(throwing.status()).toMatchObject({ state: "absent", reason: "model load threw: disk on fire" });
  });

  it("tries an absent model again once the retry interval has passed", async () => {
    let clock = 0;
    let uploaded = false;
    const model = counted(async () => (uploaded ? tiny : { bytes: null, reason: "R2 object x not found" }));
    const m2 = scorerFor(model.load, { now: () => clock, retryAfterMs: 1_000 });
    expect(await m2.score({ subject: "a", body: "b", keywordMatched: false })).toBeNull();
    uploaded = true;
    clock = 999;
    expect(await m2.score({ subject: "a", body: "b", keywordMatched: false })).toBeNull();
    expect(model.loads).toBe(1);
    clock = 1_000;
    expect(await m2.score({ subject: "a", body: "b", keywordMatched: false })).not.toBeNull();
    expect(model.loads).toBe(2);
    expect(m2.status().state).toBe("ready");
  });

  it("failed: a model ORT cannot load leaves the ticket to M1, with ORT's reason", async () => {
    const m2 = scorerFor(async () => ({ bytes: new Uint8Array([1, 2, 3]), source: "test" }));
    expect((await createScorer(m2)(OUTAGE.subject, OUTAGE.body)).model_used).toBe("m1");
    expect(m2.status()).toMatchObject({ state: "failed", reason: expect.stringMatching(/could not load the encoder model \(3 bytes\)/) });
  });

  it("refused: heads trained for another encoder are never used, and not retried", async () => {
    let clock = 0;
    const model = counted(async () => ({ bytes: buildTinyEncoder({ seed: 7 }), source: "test" }));
    const m2 = scorerFor(model.load, { now: () => clock, retryAfterMs: 1_000 });
    expect((await createScorer(m2)(OUTAGE.subject, OUTAGE.body)).model_used).toBe("m1");
    expect(m2.status()).toMatchObject({
      state: "refused",
      reason: expect.stringMatching(/heads belong to encoder .* loaded encoder is sha256 [0-9a-f]{64}/),
    });
    clock = 1_000_000;
    expect(await m2.score({ subject: "a", body: "b", keywordMatched: false })).toBeNull();
    expect(model.loads).toBe(1);
  });

  it("an inference error leaves that ticket to M1 and says so", async () => {
    // Heads bound to the tiny encoder but 4 wide: every embedding (768 wide) is rejected at predict.
    const narrow: M2HeadsArtifact = {
      ...HEADS,
      encoder: { ...HEADS.encoder, dim: 4 },
      category: { ...HEADS.category, coef: encodeFloat32(new Array(12).fill(0)), intercept: [0, 0, 0] },
      urgency: { ...HEADS.urgency, coef: encodeFloat32([0, 0, 0, 0]) },
    };
    const model = counted(async () => tiny);
    const m2 = scorerFor(model.load, { heads: narrow });
    const score = await createScorer(m2)(OUTAGE.subject, OUTAGE.body);
    expect(score.model_used).toBe("m1");
    expect(["Billing", "Legal", "Technical"]).toContain(score.category);
    expect(m2.status()).toMatchObject({ state: "failed", reason: "M2 inference failed: M2 heads: embedding has 768 values, heads expect 4 (encoder \"tiny-encoder\")" });
    expect(await m2.score({ subject: "a", body: "b", keywordMatched: false })).toBeNull();
    expect(model.loads).toBe(1);
  });
});
