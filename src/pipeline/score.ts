import type { Category } from "../ml/categories.ts";
import { isolateM1 } from "../m1/isolate.ts";
import { ticketText } from "../ml/text.ts";
import { ticketUrgency } from "../ml/urgency.ts";
import type { M2Prediction } from "../m2/heads.ts";
import type { M2Scorer } from "../m2/scorer.ts";
import type { ModelUsed } from "../schemas/v2.ts";
import type { Routing, RoutingReason } from "../schemas/routing.ts";
import { routeTicket, type Prediction } from "../routing/route.ts";
import { bundledThresholds } from "../routing/thresholds.ts";
import type { RoutingThresholds } from "../routing/bands.ts";

export interface Score {
  category: Category;
  confidence: number;
  /** In [0, 1]; the processed queue pops the highest first. */
  urgency_score: number;
  /** The model that decided the category (and its confidence). */
  model_used: ModelUsed;
  /** The model that decided urgency_score. */
  urgency_model: ModelUsed;
  /** Why the category is what it is: the serving model alone, or rules that overturned it. */
  reason: RoutingReason;
  /** auto: straight to its category's queue; review: to the review lane (confidence below its band). */
  routing: Routing;
}

export interface TicketText {
  subject: string;
  body: string;
}

export type ScoreFn = (subject: string, body: string) => Promise<Score>;
/** One settled entry per ticket, in order: a ticket whose scoring threw is rejected alone. */
export type BatchScoreFn = (tickets: readonly TicketText[]) => Promise<PromiseSettledResult<Score>[]>;
/** Scores one ticket when called; `batch` scores several with one encoder pass per length group. */
export type Scorer = ScoreFn & { batch: BatchScoreFn };

/**
 * Scores /v2 tickets. M1 runs first for every ticket (microseconds), then M2 where the
 * heads' serve block names it for a field, with M1's margins and urgency as inputs; each field
 * comes from the model serve names. An absent, refused or failing M2 leaves the whole
 * ticket to M1 (m2.status() says why); when serve names M1 for both fields M2 never runs.
 */
export function createScorer(m2: M2Scorer | null, thresholds: RoutingThresholds = bundledThresholds()): Scorer {
  const batch: BatchScoreFn = async (tickets) => {
    const m1 = tickets.map((t) => settle(() => scoreWithM1Parts(t.subject, t.body, Boolean(m2?.serving.usesM2), thresholds)));
    if (!m2?.serving.usesM2) return m1.map((r) => (r.status === "fulfilled" ? { status: "fulfilled", value: r.value.score } : r));
    const ready = m1.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
    const predictions = await m2.scoreBatch(
      ready.map((i) => {
        const { score, keywordMatched, margins } = (m1[i] as PromiseFulfilledResult<M1Parts>).value;
        return { subject: tickets[i]!.subject, body: tickets[i]!.body, keywordMatched, m1Margins: margins, m1Urgency: score.urgency_score };
      }),
    );
    const byTicket = new Map(ready.map((i, k) => [i, predictions[k] ?? null]));
    return m1.map((r, i) =>
      r.status === "fulfilled" ? { status: "fulfilled", value: combine(m2, r.value, byTicket.get(i) ?? null, tickets[i]!, thresholds) } : r,
    );
  };
  const one: ScoreFn = async (subject, body) => {
    const [result] = await batch([{ subject, body }]);
    if (result!.status === "rejected") throw result!.reason;
    return result!.value;
  };
  return Object.assign(one, { batch });
}

/**
 * Each field from the model serve names; M2 failing for this ticket leaves both to M1. The
 * rules and the confidence band apply to the category of whichever model serves it.
 */
function combine(m2: M2Scorer, m1: M1Parts, prediction: M2Prediction | null, ticket: TicketText, thresholds: RoutingThresholds): Score {
  if (!prediction) return m1.score;
  const urgency = m2.serving.urgency.model === "m2" ? { urgency_score: prediction.urgency_score, urgency_model: "m2" as const } : m1.score;
  const category =
    m2.serving.category.model === "m2"
      ? { ...routeTicket(ticket.subject, ticket.body, prediction, thresholds), model_used: "m2" as const }
      : m1.score;
  return {
    category: category.category,
    confidence: category.confidence,
    model_used: category.model_used,
    reason: category.reason,
    routing: category.routing,
    urgency_score: urgency.urgency_score,
    urgency_model: urgency.urgency_model,
  };
}

interface M1Parts {
  score: Score;
  keywordMatched: boolean;
  /** Only computed when M2 will take them. */
  margins?: Float64Array;
}

function scoreWithM1Parts(subject: string, body: string, withMargins: boolean, thresholds: RoutingThresholds): M1Parts {
  const keywordMatched = ticketUrgency(subject, body).keywordMatched;
  const score = scoreWithM1(subject, body, keywordMatched, thresholds);
  return { score, keywordMatched, margins: withMargins ? isolateM1().model.margins(ticketText(subject, body)) : undefined };
}

/** The M1 path: one TF-IDF transform feeds both the SVM (category, calibrated
 * confidence, then rules and band) and the ridge urgency regressor. */
export function scoreWithM1(
  subject: string,
  body: string,
  keywordMatched: boolean = ticketUrgency(subject, body).keywordMatched,
  thresholds: RoutingThresholds = bundledThresholds(),
): Score {
  const { model, urgency } = isolateM1();
  const row = model.features(ticketText(subject, body));
  const prediction: Prediction = model.predictRow(row);
  const urgency_score = urgency.predictRow(row, keywordMatched);
  return { ...routeTicket(subject, body, prediction, thresholds), urgency_score, model_used: "m1", urgency_model: "m1" };
}

function settle<T>(fn: () => T): PromiseSettledResult<T> {
  try {
    return { status: "fulfilled", value: fn() };
  } catch (reason) {
    return { status: "rejected", reason };
  }
}
