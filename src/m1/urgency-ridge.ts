/**
 * The learned urgency score at inference: a ridge regression over the M1 model's
 * TF-IDF features (models/m1/urgency-ridge.json, written by `npm run train:urgency`),
 * so the one transform per ticket that feeds the SVM also feeds this score.
 *
 * The target is priority × urgency keyword (training/urgency-labels.ts), and the
 * keyword flag is already known at runtime (ticketUrgency), so it enters as one
 * extra coefficient rather than being relearnt from character n-grams: under
 * grouped CV, text alone scored worse than the per-keyword mean (urgency-metrics.json).
 *
 * Runtime-neutral: the Worker bundles the JSON, Node imports it `with { type: "json" }`.
 */
import { decodeFloat32 } from "../ml/float32-base64.ts";
import { clamp01, sparseDot, type SparseRow } from "../ml/linear.ts";

export const URGENCY_RIDGE_FORMAT = "smart-support-urgency-ridge/1";

export type UrgencyRidgeArtifact = {
  format: typeof URGENCY_RIDGE_FORMAT;
  /** The M1 artefact whose feature space the coefficients index. */
  m1: { name: string; sha256: string; features: number };
  /** base64 of little-endian Float32, one per M1 feature. */
  coef: string;
  intercept: number;
  /** Added when ticketUrgency(...).keywordMatched; 0 for a text-only model. */
  keywordCoef: number;
  alpha: number;
  meta: Record<string, unknown>;
};

export type UrgencyRidge = {
  alpha: number;
  m1: UrgencyRidgeArtifact["m1"];
  /** Urgency in [0, 1] for a row of the M1 feature space and the ticket's keyword flag. */
  predictRow(row: SparseRow, keywordMatched: boolean): number;
};

/**
 * width: the feature count of the M1 model the rows will come from. A mismatch means
 * the two artefacts were trained apart, and the indices would silently mean other
 * n-grams, so it fails here rather than scoring garbage.
 */
export function loadUrgencyRidge(artifact: UrgencyRidgeArtifact, width: number): UrgencyRidge {
  if (artifact.format !== URGENCY_RIDGE_FORMAT) {
    throw new Error(`unsupported urgency ridge artefact format: ${String(artifact.format)}`);
  }
  const coef = decodeFloat32(artifact.coef);
  if (coef.length !== width || artifact.m1.features !== width) {
    throw new Error(
      `urgency ridge was trained on ${coef.length} features of M1 "${artifact.m1.name}" ` +
        `but the loaded M1 model has ${width}: retrain with npm run train:urgency`,
    );
  }
  if (!Number.isFinite(artifact.intercept) || !Number.isFinite(artifact.keywordCoef)) {
    throw new Error("urgency ridge artefact: intercept or keywordCoef is not finite");
  }
  for (let j = 0; j < coef.length; j++) {
    if (!Number.isFinite(coef[j]!)) throw new Error(`urgency ridge artefact: coef[${j}] is not finite`);
  }
  const { intercept, keywordCoef } = artifact;
  return {
    alpha: artifact.alpha,
    m1: artifact.m1,
    predictRow(row: SparseRow, keywordMatched: boolean): number {
      // An index past the width would read undefined and turn the score into NaN.
      for (let k = 0; k < row.indices.length; k++) {
        const j = row.indices[k]!;
        if (j < 0 || j >= width) throw new Error(`urgency ridge: feature index ${j} outside width ${width}`);
      }
      return clamp01(sparseDot(coef, row, 0, intercept) + (keywordMatched ? keywordCoef : 0));
    },
  };
}

