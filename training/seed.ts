/**
 * "The seed", wherever training code, metrics.json or a comment says it, is the
 * FastAPI + scikit-learn version of this product that this project reproduces and
 * measures itself against. Its settings, reproduced exactly, are the baselines
 * every candidate has to beat:
 *  - M1: TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=3,
 *    max_features=50000, sublinear_tf=True) + LinearSVC(C=0.5, class_weight="balanced");
 *  - M2 (its notebook): DistilBERT [CLS] embeddings + LogisticRegression(C=5) for the
 *    category and Ridge(alpha=0.5) for the urgency (train-m2.ts);
 *  - its protocol: one stratified 15 % hold-out, random seed 42 (protocol.ts).
 */
import type { LinearSvcConfig } from "./linear-svm.ts";
import type { M1TrainConfig } from "./m1-pipeline.ts";
import type { TfidfConfig } from "../src/m1/tfidf.ts";

export const SEED_TFIDF_CONFIG: TfidfConfig = {
  analyzer: { kind: "char_wb", ngramMin: 3, ngramMax: 5 },
  minDf: 3,
  maxFeatures: 50_000,
  sublinearTf: true,
  lowercase: true,
};

export const SEED_SVC_CONFIG: LinearSvcConfig = {
  C: 0.5,
  classWeight: "balanced",
  tol: 1e-4,
  maxIter: 1000,
  fitIntercept: true,
  interceptScaling: 1,
  seed: 42,
};

/** The seed's M1, named "seed" in metrics.json. */
export const SEED_CONFIG: M1TrainConfig = {
  name: "seed",
  description: 'TfidfVectorizer(char_wb, (3,5), min_df=3, max_features=50000, sublinear_tf) + LinearSVC(C=0.5, class_weight="balanced")',
  features: [{ tfidf: SEED_TFIDF_CONFIG, weight: 1 }],
  svc: SEED_SVC_CONFIG,
  calibrateBias: false,
};
