import { describe, expect, it } from "vitest";
import { checkHeads, retrainCommand, servingReport } from "./setup.ts";
import { loadEncoderManifest } from "./encoder-manifest.ts";
import type { M2HeadsBinding, M2Serve } from "../src/m2/heads.ts";
import { BUNDLED_VOCAB_SHA256 } from "../src/m2/vocab.ts";

const MINILM = loadEncoderManifest("all-minilm-l6-v2-int8");
const PATH = "/repo/models/m2/all-minilm-l6-v2-int8/model.onnx";
const M2_BOTH: M2Serve = {
  category: { model: "m2", reason: "M2 macro-F1 0.61 vs M1 0.55 on 5 grouped folds" },
  urgency: { model: "m2", reason: "M2 RMSE 0.10 vs M1 0.12" },
};

function heads(more: Partial<M2HeadsBinding["encoder"]> = {}, serve: M2Serve = M2_BOTH): M2HeadsBinding {
  return {
    encoder: { id: MINILM.id, name: "all-minilm", sha256: MINILM.sha256!, pooling: "mean", maxLength: 256, dim: 384, vocabSha256: BUNDLED_VOCAB_SHA256, ...more },
    serve,
  };
}

describe("models:setup decisions", () => {
  it("uploads when the heads are bound to the fetched file, its id and its vocab", () => {
    expect(checkHeads(heads(), MINILM, MINILM.sha256!, PATH)).toEqual({ bound: true });
  });

  it("names each way the heads do not fit, and the one command that retrains them", () => {
    const stale = heads({ id: "tiny-stand-in", name: "tiny-encoder", sha256: "c".repeat(64), vocabSha256: "d".repeat(64) });
    const check = checkHeads(stale, MINILM, MINILM.sha256!, PATH);
    expect(check.bound).toBe(false);
    if (check.bound) return;
    expect(check.reason).toContain(`bound to encoder "tiny-encoder" (sha256 ${"c".repeat(64)}), the fetched all-minilm-l6-v2-int8 is sha256 ${MINILM.sha256}`);
    expect(check.reason).toContain(`name encoder id "tiny-stand-in", so the Worker would read encoders/tiny-stand-in/`);
    expect(check.reason).toContain(`vocab sha256 ${"d".repeat(64)}`);
    const cased = checkHeads(heads({ lowercase: false }), MINILM, MINILM.sha256!, PATH);
    expect(cased).toMatchObject({ bound: false, reason: "they tokenize cased, all-minilm-l6-v2-int8's vocabulary is uncased" });
    expect(check.retrain).toBe(retrainCommand(MINILM, PATH));
    expect(check.retrain).toMatch(/^npm run train:m2 -- --encoder .*all-minilm-l6-v2-int8\/model\.onnx$/);
  });

  it("treats unreadable heads as needing a retrain", () => {
    const check = checkHeads(new Error("unsupported format x"), MINILM, MINILM.sha256!, PATH);
    expect(check).toMatchObject({ bound: false, reason: "the heads cannot be read: unsupported format x" });
  });

  it("says what dev will serve and why, from the serve block", () => {
    const local = { bucket: "smart-support-models", local: true };
    const lines = servingReport(heads(), MINILM, local);
    expect(lines[0]).toBe(`encoder: ${MINILM.name} (all-minilm-l6-v2-int8), local r2://smart-support-models/encoders/all-minilm-l6-v2-int8/model.onnx, the bundled vocab`);
    expect(lines[1]).toBe(
      "npm run dev will load it on the first /v2 ticket: M2 serves category (M2 macro-F1 0.61 vs M1 0.55 on 5 grouped folds); M2 serves urgency (M2 RMSE 0.10 vs M1 0.12)",
    );

    const m1 = { model: "m1" as const, reason: "M1 macro-F1 0.58 vs M2 0.55: M1 serves" };
    const remote = servingReport(heads({}, { category: m1, urgency: m1 }), MINILM, { bucket: "b", local: false });
    expect(remote[1]).toBe("the deployed consumer will not load it at all: M1 serves category and urgency: M1 macro-F1 0.58 vs M2 0.55: M1 serves");
    expect(remote[2]).toBe("to score with M2 anyway: npx wrangler secret put M2_SERVE --config wrangler.consumer.jsonc (value m2)");
    const localM1 = servingReport(heads({}, { category: m1, urgency: m1 }), MINILM, local);
    expect(localM1[2]).toBe("to score with M2 anyway: M2_SERVE=m2 in .dev.vars (the consumer Worker reads it), then npm run dev");
    // Where M2 already serves, no override is suggested.
    expect(lines.some((l) => l.includes("M2_SERVE"))).toBe(false);
  });
});
