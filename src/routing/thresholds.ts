import bundled from "../../models/m1/routing.json" with { type: "json" };
import { loadRoutingArtifact, thresholdsFromEnv, type RoutingThresholds } from "./bands.ts";

/** The thresholds a Worker routes with, and why they are not the configured ones (for /health). */
export interface EffectiveThresholds {
  thresholds: RoutingThresholds;
  error: string | null;
}

/** Every ticket to review: what is left when even the bundled thresholds do not load. */
const ALL_REVIEW: RoutingThresholds = { default: 1, per_category: {} };

const cache = new Map<string | undefined, EffectiveThresholds>();

/**
 * The bundled thresholds (models/m1/routing.json) with REVIEW_THRESHOLDS applied: the one answer
 * both Workers route by (/v1 in the API Worker, /v2 in the consumer). A malformed
 * REVIEW_THRESHOLDS never stops routing and is never half-applied: the bundled thresholds serve
 * and `error` says why (/health shows it, status degraded), so a typo costs the override, not
 * the service. Parsed once per isolate and value.
 */
export function effectiveThresholds(env: { REVIEW_THRESHOLDS?: string | undefined }): EffectiveThresholds {
  const raw = env.REVIEW_THRESHOLDS;
  const hit = cache.get(raw);
  if (hit) return hit;
  const fromEnv = thresholdsFromEnv({ REVIEW_THRESHOLDS: raw });
  let result: EffectiveThresholds;
  if (fromEnv.ok) result = { thresholds: fromEnv.thresholds, error: null };
  else {
    const base = loadRoutingArtifact(bundled);
    result = base.ok
      ? { thresholds: base.thresholds, error: `${fromEnv.error}; routing with the bundled thresholds (models/m1/routing.json)` }
      : { thresholds: ALL_REVIEW, error: `${base.error}; every ticket goes to review` };
  }
  cache.set(raw, result);
  return result;
}

/** The bundled thresholds alone (no setting): the default of code that is not handed an env. */
export function bundledThresholds(): RoutingThresholds {
  return effectiveThresholds({}).thresholds;
}
