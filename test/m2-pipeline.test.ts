import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import headsJson from "../models/m2/heads.json" with { type: "json" };
import tinyHeads from "./fixtures/m2-tiny-heads.json" with { type: "json" };
import { encoderR2Keys } from "../src/m2/model-source.ts";
import { createWorkerM2, resetIsolateM2 } from "../src/m2/isolate.ts";
import type { M2Scorer } from "../src/m2/scorer.ts";
import { headsBinding, type M2Serve } from "../src/m2/heads.ts";
import { bundledVocab } from "../src/m2/vocab.ts";
import { createScorer } from "../src/pipeline/score.ts";
import { sha256Hex } from "../src/util/sha256.ts";
import { buildTinyEncoder } from "../models/onnx/tiny-encoder.ts";
import { createConsumerReporter } from "../src/queue/consumer-report.ts";
import { consumerState } from "../src/queue/dispatch.ts";
import type { Health } from "../src/schemas/health.ts";
import { ticketStoreFor } from "../src/store/select.ts";
import { createApp } from "../src/app.ts";
import { createExecutionContext } from "cloudflare:test";
import { call, json, postJson, privateStoreNamespace } from "./helpers.ts";

// The committed heads (models/m2/heads.json) are bound to the real encoder (all-MiniLM-L6-v2),
// which tests do not have, and their serve block names M1 for both fields. So:
//  - through the consumer Worker, a /v2 ticket is scored by M1 without M2 ever being loaded;
//  - the M2 path itself runs in this isolate on the tiny stand-in in R2 with the fixture heads
//    fitted for it (test/fixtures/m2-tiny-heads.json, training/tiny-heads.ts), through
//    createWorkerM2, the same wiring the consumer's isolateM2 uses for the bundled heads.
// /health's view of each case comes through the report the consumer would write.
//
// This file has a vitest project of its own (vitest.config.ts "workers-m2"), so the consumer
// Worker has met no ticket before the first test.
const OUTAGE = { subject: "URGENT: production outage", body: "Our platform is down and nobody can log in. Please fix immediately!" };
const KEYS = encoderR2Keys(headsBinding(tinyHeads).encoder.id);
const tinyM2 = () => createWorkerM2(env, tinyHeads);

async function health(): Promise<Health> {
  return json<Health>(await call("/health"));
}

/** What /health says once this isolate's M2 state is reported, as the consumer reports it, to a store of its own. */
async function healthReporting(m2: M2Scorer): Promise<Health> {
  const STORE = privateStoreNamespace(env.STORE);
  const m2env = { ...env, STORE };
  await createConsumerReporter()(ticketStoreFor(m2env), consumerState(m2env, m2));
  const res = await createApp().fetch(new Request("http://edge.test/health"), m2env, createExecutionContext());
  return json<Health>(res);
}

/** Polls until the consumer has settled the ticket; the test's own timeout (signal) is the only bound. */
async function waitProcessed(id: string, signal: AbortSignal) {
  for (;;) {
    signal.throwIfAborted();
    const t = await json<{ status: string; model_used: string | null; urgency_model: string | null; category: string | null; urgency_score: number | null; confidence: number | null }>(
      await call(`/v2/tickets/${id}`),
    );
    if (t.status !== "pending") return t;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The fixture heads with a serve block and vocabulary of the test's choosing. */
function headsV2(serve: M2Serve, vocabSha256?: string) {
  return { ...tinyHeads, encoder: { ...tinyHeads.encoder, ...(vocabSha256 && { vocabSha256 }) }, serve };
}
const M2 = { model: "m2" as const, reason: "test: M2 wins" };
const M1 = { model: "m1" as const, reason: "test: M1 wins" };

/** vocab.txt as the bundled pieces spell it, plus one line, so its sha256 is not the bundled one. */
function otherVocabText(): string {
  const byId = new Map([...bundledVocab()].map(([token, id]) => [id, token]));
  const lines = Array.from({ length: 30_522 }, (_, id) => byId.get(id) ?? `[unused${id - 1}]`);
  return [...lines, "zzzextra"].join("\n") + "\n";
}

beforeEach(async () => {
  resetIsolateM2();
  await env.MODELS!.delete([KEYS.model, KEYS.vocab]);
});

describe("M2 in the /v2 pipeline", () => {
  it("reads the encoder from the R2 keys of the id the heads name", () => {
    expect(KEYS).toEqual({ model: "encoders/tiny-stand-in/model.onnx", vocab: "encoders/tiny-stand-in/vocab.txt" });
    expect(encoderR2Keys(headsBinding(headsJson).encoder.id).model).toBe("encoders/all-minilm-l6-v2-int8/model.onnx");
  });

  it("through the consumer Worker, scores with M1 where the committed heads' serve names M1, and /health says why", async ({ signal }) => {
    // The consumer has consumed nothing yet, so it has not reported.
    expect((await health()).models.m2).toMatchObject({ state: "unreported", reported_at: null });

    const res = await postJson("/v2/tickets", OUTAGE);
    expect(res.status).toBe(202);
    const { ticket_id } = await json<{ ticket_id: string }>(res);
    const t = await waitProcessed(ticket_id, signal);
    expect(t).toMatchObject({ status: "processed", model_used: "m1", urgency_model: "m1" });
    expect(["Billing", "Legal", "Technical"]).toContain(t.category);
    expect(t.urgency_score).toBeGreaterThanOrEqual(0);
    expect(t.urgency_score).toBeLessThanOrEqual(1);

    const h = await health();
    expect(h.models.live).toBe("m1");
    // Never loaded: serve names M1 for both fields, so the encoder is not even looked for.
    expect(h.models.m2.state).toBe("idle");
    expect(Date.parse(h.models.m2.reported_at!)).toBeLessThanOrEqual(Date.now());
    expect(h.models.serve).toEqual(headsJson.serve);
    expect(h.models.serve.category.reason).toMatch(/M1 serves/);
    await call("/v2/tickets/next");
  }, 120_000);

  it("scores with M2 (tiny stand-in encoder from R2 + fixture heads), and /health reports it ready", async () => {
    await env.MODELS!.put(KEYS.model, buildTinyEncoder());
    const m2 = tinyM2();
    expect(m2.status()).toEqual({ state: "idle" });
    const score = await createScorer(m2)(OUTAGE.subject, OUTAGE.body);
    expect(score).toMatchObject({ model_used: "m2", urgency_model: "m2" });
    expect(["Billing", "Legal", "Technical"]).toContain(score.category);
    expect(score.urgency_score).toBeGreaterThanOrEqual(0);
    expect(score.urgency_score).toBeLessThanOrEqual(1);
    expect(score.confidence).toBeGreaterThan(0);
    expect(m2.status()).toMatchObject({ state: "ready", source: expect.stringContaining(`r2://${KEYS.model}`) });
    const h = await healthReporting(m2);
    expect(h.models.m2).toMatchObject({ state: "ready", reason: null });
  }, 120_000);

  it("falls back to M1 and says why when there is no model in R2", async () => {
    const m2 = tinyM2();
    const score = await createScorer(m2)(OUTAGE.subject, OUTAGE.body);
    expect(score).toMatchObject({ model_used: "m1", urgency_model: "m1" });
    const h = await healthReporting(m2);
    expect(h.models.live).toBe("m1");
    expect(h.models.m2.state).toBe("absent");
    expect(h.models.m2.reason).toContain(`R2 object ${KEYS.model} not found (npm run models:setup -- --encoder tiny-stand-in)`);
  });

  it("refuses heads trained for another encoder, falls back to M1 and says so", async () => {
    await env.MODELS!.put(KEYS.model, buildTinyEncoder({ seed: 7 }));
    const m2 = tinyM2();
    const score = await createScorer(m2)(OUTAGE.subject, OUTAGE.body);
    expect(score.model_used).toBe("m1");
    const h = await healthReporting(m2);
    expect(h.models.m2.state).toBe("refused");
    expect(h.models.m2.reason).toMatch(/heads belong to encoder .* loaded encoder is sha256 [0-9a-f]{64}/);
    expect(h.models.m2.heads_encoder_sha256).not.toBe(null);
  }, 120_000);

  it("falls back to M1 when the model in R2 is corrupt", async () => {
    await env.MODELS!.put(KEYS.model, new TextEncoder().encode("definitely not an onnx model"));
    const m2 = tinyM2();
    const score = await createScorer(m2)(OUTAGE.subject, OUTAGE.body);
    expect(score.model_used).toBe("m1");
    const h = await healthReporting(m2);
    expect(h.models.m2.state).toBe("failed");
    expect(h.models.m2.reason).toBeTruthy();
  }, 120_000);
});

describe("M2 as the heads' serve block and vocabulary say", () => {
  it("takes each field from the model serve names: M2's category, M1's urgency", async () => {
    await env.MODELS!.put(KEYS.model, buildTinyEncoder());
    const m2 = createWorkerM2(env, headsV2({ category: M2, urgency: M1 }));
    const m1Only = await createScorer(null)(OUTAGE.subject, OUTAGE.body);
    const score = await createScorer(m2)(OUTAGE.subject, OUTAGE.body);
    expect(score).toMatchObject({ model_used: "m2", urgency_model: "m1", urgency_score: m1Only.urgency_score });
    expect(m2.status()).toMatchObject({ state: "ready" });
    expect(m2.serving.summary).toBe("M2 serves category (test: M2 wins); M1 serves urgency (test: M1 wins)");
  }, 120_000);

  it("does not load M2 at all when serve names M1 for both fields, and says why", async () => {
    // A corrupt model: had it been read, the state would be failed.
    await env.MODELS!.put(KEYS.model, new TextEncoder().encode("not onnx"));
    const m2 = createWorkerM2(env, headsV2({ category: M1, urgency: M1 }));
    const [a, b] = await createScorer(m2).batch([OUTAGE, { subject: "Invoice", body: "Charged twice" }]);
    expect(a).toMatchObject({ status: "fulfilled", value: { model_used: "m1", urgency_model: "m1" } });
    expect(b).toMatchObject({ status: "fulfilled", value: { model_used: "m1", urgency_model: "m1" } });
    expect(m2.status()).toEqual({ state: "idle" });
    expect(m2.serving.summary).toBe("M1 serves category and urgency: test: M1 wins");
    expect(m2.serving.usesM2).toBe(false);
  });

  it("M2_SERVE overrides the heads: m1 never loads M2, m2 gives it both fields", async () => {
    await env.MODELS!.put(KEYS.model, buildTinyEncoder());
    const off = createWorkerM2(env, tinyHeads, "m1");
    expect(await createScorer(off)(OUTAGE.subject, OUTAGE.body)).toMatchObject({ model_used: "m1", urgency_model: "m1" });
    expect(off.status()).toEqual({ state: "idle" });
    expect(off.serving.summary).toMatch(/^M1 serves category and urgency: M2_SERVE=m1 overrides the heads \(which chose m2: /);

    const on = createWorkerM2(env, headsV2({ category: M1, urgency: M1 }), "m2");
    expect(await createScorer(on)(OUTAGE.subject, OUTAGE.body)).toMatchObject({ model_used: "m2", urgency_model: "m2" });
    expect(on.status()).toMatchObject({ state: "ready" });
  }, 120_000);

  it("reads a vocab.txt that is not the bundled one from R2 and checks its sha256", async () => {
    await env.MODELS!.put(KEYS.model, buildTinyEncoder());
    const text = otherVocabText();
    const sha = await sha256Hex(new TextEncoder().encode(text));
    const heads = headsV2({ category: M2, urgency: M2 }, sha);

    const missing = createWorkerM2(env, heads);
    expect((await createScorer(missing)(OUTAGE.subject, OUTAGE.body)).model_used).toBe("m1");
    expect(missing.status()).toMatchObject({ state: "absent", reason: expect.stringContaining(`R2 object ${KEYS.vocab} not found`) });

    await env.MODELS!.put(KEYS.vocab, text.replace("zzzextra", "zzzother"));
    const wrong = createWorkerM2(env, heads);
    expect((await createScorer(wrong)(OUTAGE.subject, OUTAGE.body)).model_used).toBe("m1");
    const refused = wrong.status();
    expect(refused.state).toBe("refused");
    expect("reason" in refused && refused.reason).toMatch(new RegExp(`vocab r2://${KEYS.vocab} .* has sha256 [0-9a-f]{64}, the heads need vocabSha256 ${sha}`));

    await env.MODELS!.put(KEYS.vocab, text);
    const right = createWorkerM2(env, heads);
    expect((await createScorer(right)(OUTAGE.subject, OUTAGE.body)).model_used).toBe("m2");
    expect(right.status()).toMatchObject({ state: "ready", source: expect.stringContaining(`vocab r2://${KEYS.vocab}`) });
  }, 120_000);

  it("refuses heads it cannot read, never loading anything", async () => {
    const m2 = createWorkerM2(env, { format: "smart-support-m2-heads/9", encoder: { sha256: "a".repeat(64), name: "x" } });
    expect((await createScorer(m2)(OUTAGE.subject, OUTAGE.body)).model_used).toBe("m1");
    expect(m2.status()).toMatchObject({ state: "refused", reason: expect.stringMatching(/^M2 heads artefact: unsupported format smart-support-m2-heads\/9 \(expected smart-support-m2-heads\/2/) });
  });
});
