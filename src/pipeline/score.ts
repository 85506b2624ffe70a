import type { Category } from "../ml/categories.ts";
import { bundledM1 } from "../ml/m1-bundled.ts";
import { ticketText } from "../ml/text.ts";
import { ticketUrgency } from "../ml/urgency.ts";

export type ModelUsed = "m1" | "m2";

export interface Score {
  category: Category;
  confidence: number;
  /** In [0, 1]; the processed queue pops the highest first. */
  urgency_score: number;
  model_used: ModelUsed;
}

/**
 * Scores one /v2 ticket. M1 path: one TF-IDF transform feeds both the SVM (category,
 * calibrated confidence) and the ridge urgency regressor. The M2 (DistilBERT) path
 * plugs in here and falls back to this one on any failure.
 */
export async function scoreTicket(subject: string, body: string): Promise<Score> {
  return scoreWithM1(subject, body);
}

export function scoreWithM1(subject: string, body: string): Score {
  const { model, urgency } = bundledM1();
  const row = model.features(ticketText(subject, body));
  const { category, confidence } = model.predictRow(row);
  const urgency_score = urgency.predictRow(row, ticketUrgency(subject, body).keywordMatched);
  return { category, confidence, urgency_score, model_used: "m1" };
}
