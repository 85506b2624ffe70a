import type { Category } from "../ml/categories.ts";
import { decideCategory } from "./decide.ts";
import { routingFor, type RoutingThresholds } from "./bands.ts";
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
