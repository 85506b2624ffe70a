/**
 * The configurations `npm run train:m1` compares against the seed under grouped CV;
 * the one with the best mean macro-F1 ships. Kept short on purpose: every extra
 * candidate is another chance to fit the CV noise (and costs CPU on a shared box).
 */
import type { TfidfConfig } from "../src/m1/tfidf.ts";
import type { M1TrainConfig } from "./m1-pipeline.ts";
import { SEED_CONFIG, SEED_SVC_CONFIG, SEED_TFIDF_CONFIG } from "./seed.ts";

const WORDS: TfidfConfig = {
  analyzer: { kind: "word", ngramMin: 1, ngramMax: 2 },
  minDf: 2,
  maxFeatures: 50_000,
  sublinearTf: true,
  lowercase: true,
};

const CHAR_2_5: TfidfConfig = { ...SEED_TFIDF_CONFIG, analyzer: { kind: "char_wb", ngramMin: 2, ngramMax: 5 } };

const charWords = (C: number): M1TrainConfig => ({
  name: `char+word C=${C}`,
  description: `char_wb (3,5) and word (1,2) TF-IDF blocks side by side, LinearSVC(C=${C}, balanced)`,
  features: [
    { tfidf: SEED_TFIDF_CONFIG, weight: 1 },
    { tfidf: WORDS, weight: 1 },
  ],
  svc: { ...SEED_SVC_CONFIG, C },
  calibrateBias: false,
});

export const CANDIDATE_CONFIGS: M1TrainConfig[] = [
  { ...SEED_CONFIG, name: "seed C=0.25", description: "seed features, LinearSVC(C=0.25)", svc: { ...SEED_SVC_CONFIG, C: 0.25 } },
  { ...SEED_CONFIG, name: "seed C=1", description: "seed features, LinearSVC(C=1)", svc: { ...SEED_SVC_CONFIG, C: 1 } },
  { ...SEED_CONFIG, name: "char_wb (2,5)", description: "char_wb (2,5) TF-IDF, LinearSVC(C=0.5, balanced)", features: [{ tfidf: CHAR_2_5, weight: 1 }] },
  charWords(0.5),
  { ...charWords(0.5), name: "char+word C=0.5 +bias", description: "char+word C=0.5 with per-class margin offsets tuned for macro-F1 on inner grouped 3-fold margins", calibrateBias: true },
];
