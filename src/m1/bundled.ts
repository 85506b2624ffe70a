import artifact from "../../models/m1/model.json" with { type: "json" };
import metrics from "../../models/m1/metrics.json" with { type: "json" };
import ridgeArtifact from "../../models/m1/urgency-ridge.json" with { type: "json" };
import urgencyMetrics from "../../models/m1/urgency-metrics.json" with { type: "json" };
import { loadM1, type M1Artifact, type M1Model } from "./model.ts";
import { loadUrgencyRidge, type UrgencyRidge, type UrgencyRidgeArtifact } from "./urgency-ridge.ts";

export interface BundledM1 {
  model: M1Model;
  urgency: UrgencyRidge;
  loadMs: number;
}

/**
 * The committed M1 artefacts, bundled into the Worker by wrangler. Parsed lazily on first
 * use (never at global scope: Workers allow ~1 s of start-up) and kept once per isolate.
 */
let loaded: BundledM1 | undefined;

export function bundledM1(): BundledM1 {
  if (!loaded) {
    const started = performance.now();
    const model = loadM1(artifact as M1Artifact);
    const urgency = loadUrgencyRidge(ridgeArtifact as UrgencyRidgeArtifact, model.featureCount);
    loaded = { model, urgency, loadMs: performance.now() - started };
  }
  return loaded;
}

export const m1Metrics = { classifier: metrics, urgency: urgencyMetrics } as const;
