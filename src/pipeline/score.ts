import type { Category } from "../ml/categories.ts";
import { isolateM1 } from "../m1/isolate.ts";
import { ticketText } from "../ml/text.ts";
import { ticketUrgency } from "../ml/urgency.ts";
import type { M2Scorer } from "../m2/scorer.ts";
import type { ModelUsed } from "../schemas/v2.ts";

export interface Score {
  category: Category;
  confidence: number;
  /** In [0, 1]; the processed queue pops the highest first. */
  urgency_score: number;
  model_used: ModelUsed;
}

export type ScoreFn = (subject: string, body: string) => Promise<Score>;

/**
 * Scores /v2 tickets with M2 when it can serve, else with M1: an absent, refused or
 * failing M2 costs that ticket nothing but the fallback (m2.status() says why).
 */
export function createScorer(m2: M2Scorer | null): ScoreFn {
  return async (subject, body) => {
    const keywordMatched = ticketUrgency(subject, body).keywordMatched;
    if (m2) {
      const prediction = await m2.score(subject, body, keywordMatched);
      if (prediction) {
        const { category, confidence, urgency_score } = prediction;
        return { category, confidence, urgency_score, model_used: "m2" };
      }
    }
    return scoreWithM1(subject, body, keywordMatched);
  };
}

/** The M1 path: one TF-IDF transform feeds both the SVM (category, calibrated
 * confidence) and the ridge urgency regressor. */
export function scoreWithM1(
  subject: string,
  body: string,
  keywordMatched: boolean = ticketUrgency(subject, body).keywordMatched,
): Score {
  const { model, urgency } = isolateM1();
  const row = model.features(ticketText(subject, body));
  const { category, confidence } = model.predictRow(row);
  const urgency_score = urgency.predictRow(row, keywordMatched);
  return { category, confidence, urgency_score, model_used: "m1" };
}
