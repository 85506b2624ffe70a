/**
 * The Worker's M1, one per isolate: the committed artefacts, bundled into the Worker
 * by wrangler, parsed on first use (never at global scope: Workers allow ~1 s of
 * start-up) and kept for the isolate's lifetime.
 */
import artifact from "../../models/m1/model.json" with { type: "json" };
import ridgeArtifact from "../../models/m1/urgency-ridge.json" with { type: "json" };
import { CATEGORIES, sameCategories } from "../ml/categories.ts";
import { loadM1, type M1Artifact, type M1Model } from "./model.ts";
import { loadUrgencyRidge, type UrgencyRidge, type UrgencyRidgeArtifact } from "./urgency-ridge.ts";

export interface IsolateM1 {
  model: M1Model;
  urgency: UrgencyRidge;
  /** How long parsing the artefacts took in this isolate. */
  loadMs: number;
}

let loaded: IsolateM1 | undefined;

export function isolateM1(): IsolateM1 {
  if (!loaded) {
    const started = performance.now();
    const model = loadM1(artifact as M1Artifact);
    // The API's enum comes from taxonomy.json; a model of other classes would answer outside it.
    if (!sameCategories(model.classes, CATEGORIES)) {
      throw new Error(
        `models/m1/model.json classes (${model.classes.join(", ")}) differ from models/m1/taxonomy.json (${CATEGORIES.join(", ")}): ` +
          "retrain with npm run train:m1, which writes both",
      );
    }
    const urgency = loadUrgencyRidge(ridgeArtifact as UrgencyRidgeArtifact, model.featureCount);
    loaded = { model, urgency, loadMs: performance.now() - started };
  }
  return loaded;
}
