/** Serialises a trained M1 into the artefact that src/m1/model.ts loads. */
import { encodeFloat32 } from "./float32-base64.ts";
import { M1_FORMAT, type M1Artifact } from "../src/m1/model.ts";
import type { TrainedM1 } from "./m1-pipeline.ts";

export function buildArtifact(model: TrainedM1, temperature: number, meta: Record<string, unknown>): M1Artifact {
  const { config, union, svm } = model;
  return {
    format: M1_FORMAT,
    name: config.name,
    classes: svm.classes,
    features: union.parts.map((part, p) => ({
      analyzer: part.config.analyzer,
      lowercase: part.config.lowercase,
      sublinearTf: part.config.sublinearTf,
      minDf: part.config.minDf,
      maxFeatures: part.config.maxFeatures,
      weight: union.weights[p]!,
      terms: part.terms,
      idf: encodeFloat32(part.idf),
    })),
    coef: encodeFloat32(svm.coef),
    intercept: Array.from(svm.intercept),
    classBias: model.classBias,
    temperature,
    meta,
  };
}
