import bundled from "../../models/m1/routing.json" with { type: "json" };
import { loadRoutingArtifact, thresholdsFromEnv, type RoutingThresholds } from "../routing/bands.ts";

/** The thresholds /v1 routes with, and why they are not the configured ones (for /health). */
export interface V1Routing {
  thresholds: RoutingThresholds;
  error: string | null;
}

/** Every ticket to review: what is left when even the bundled thresholds do not load. */
const ALL_REVIEW: RoutingThresholds = { default: 1, per_category: {} };

const cache = new Map<string | undefined, V1Routing>();

/**
 * The bundled thresholds (models/m1/routing.json) with REVIEW_THRESHOLDS applied. A malformed
 * REVIEW_THRESHOLDS never stops /v1: it routes with the bundled thresholds and /health reports
 * the error (status degraded), so a typo in a setting costs the override, not the service. Parsed
 * once per isolate and value.
 */
export function v1Routing(env: { REVIEW_THRESHOLDS?: string | undefined }): V1Routing {
  const raw = env.REVIEW_THRESHOLDS;
  const hit = cache.get(raw);
  if (hit) return hit;
  const fromEnv = thresholdsFromEnv({ REVIEW_THRESHOLDS: raw });
  let routing: V1Routing;
  if (fromEnv.ok) routing = { thresholds: fromEnv.thresholds, error: null };
  else {
    const base = loadRoutingArtifact(bundled);
    routing = base.ok
      ? { thresholds: base.thresholds, error: `${fromEnv.error}; routing with the bundled thresholds (models/m1/routing.json)` }
      : { thresholds: ALL_REVIEW, error: `${base.error}; every ticket goes to review` };
  }
  cache.set(raw, routing);
  return routing;
}
