/**
 * The committed thresholds belong to the committed model: train:m1 rewrites model.json and
 * metrics.json (dropping its `routing` key), and thresholds fitted to another model's
 * confidences would route by a calibration that no longer exists.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../dataset/load.ts";

const read = (p: string) => readFileSync(resolve(REPO_ROOT, "models/m1", p));
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const routing = JSON.parse(read("routing.json").toString("utf8"));
const metrics = JSON.parse(read("metrics.json").toString("utf8"));

describe("models/m1/routing.json", () => {
  it("was computed for the committed model.json (else rerun npm run train:bands)", () => {
    expect(routing.m1.sha256).toBe(sha256(read("model.json")));
  });

  it("was computed for the committed rules file when it is for model + rules (else rerun npm run train:bands)", () => {
    if (routing.decision !== "model+rules") return;
    expect(routing.rules.sha256).toBe(sha256(readFileSync(resolve(REPO_ROOT, routing.rules.path))));
  });

  it("holds the thresholds that metrics.json's routing curve chose (else rerun npm run train:bands)", () => {
    expect(metrics.routing?.chosen?.thresholds).toEqual(routing.thresholds);
    expect(metrics.routing.m1).toEqual(routing.m1);
  });
});
