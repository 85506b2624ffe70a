import type { Category } from "../ml/categories.ts";
import { decideCategory } from "../routing/decide.ts";
import { loadRoutingArtifact, routingFor, thresholdsFromEnv, type RoutingThresholds } from "../routing/bands.ts";
import bundled from "../../models/m1/routing.json" with { type: "json" };
import type { Routing, RoutingReason } from "../schemas/routing.ts";

/** What either model says about the category: M1Prediction and M2Prediction both have this shape. */
export interface Prediction {
  category: Category;
  confidence: number;
  scores: Record<Category, number>;
}

export interface Routed {
  category: Category;
  confidence: number;
  reason: RoutingReason;
  routing: Routing;
}

/**
 * The serving model's category through the rules (decideCategory), then the band on the
 * combined confidence: routing.json's thresholds were chosen on model + rules, so they apply
 * to the combined figure, not to the model's alone.
 */
export function routeTicket(subject: string, body: string, prediction: Prediction, thresholds: RoutingThresholds): Routed {
  const decision = decideCategory(subject, body, prediction);
  return {
    category: decision.category,
    confidence: decision.confidence,
    reason: decision.reason,
    routing: routingFor(decision.category, decision.confidence, thresholds),
  };
}

let cached: RoutingThresholds | null = null;

/** models/m1/routing.json; a bundled artefact that does not load is a build error, so this throws. */
export function bundledThresholds(): RoutingThresholds {
  if (cached) return cached;
  const loaded = loadRoutingArtifact(bundled);
  if (!loaded.ok) throw new Error(loaded.error);
  cached = loaded.thresholds;
  return cached;
}

/**
 * The consumer's thresholds: REVIEW_THRESHOLDS over the bundled ones. A malformed setting is
 * never half-applied and never stops scoring: the bundled thresholds serve, and `error` says
 * why, for the consumer's report (/health).
 */
export function consumerThresholds(env: { REVIEW_THRESHOLDS?: string | undefined }): { thresholds: RoutingThresholds; error: string | null } {
  const result = thresholdsFromEnv(env);
  return result.ok ? { thresholds: result.thresholds, error: null } : { thresholds: bundledThresholds(), error: result.error };
}
