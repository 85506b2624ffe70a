/**
 * Confidence bands: a ticket is routed "auto" (straight to its category's queue) when the
 * calibrated confidence of its category reaches that category's threshold, else "review"
 * (a person confirms or corrects the category first). The thresholds are chosen by
 * `npm run train:bands` from the grouped-CV coverage/accuracy curve and bundled as
 * models/m1/routing.json; a deployment can override them with REVIEW_THRESHOLDS (JSON).
 */
import { z } from "@hono/zod-openapi";
import bundled from "../../models/m1/routing.json" with { type: "json" };
import { CATEGORIES } from "../ml/categories.ts";
import { RoutingSchema, type Routing } from "../schemas/routing.ts";

export { RoutingSchema, type Routing };

const ThresholdSchema = z.number().min(0).max(1);

/**
 * `default` applies to every category without its own entry. A threshold of 1 sends every
 * ticket of that category to review: a confidence is never counted as reaching 1, so the
 * outcome does not hang on a softmax rounding to exactly 1.0.
 */
export const RoutingThresholdsSchema = z
  .object({
    default: ThresholdSchema,
    per_category: z.record(z.string(), ThresholdSchema).default({}),
  })
  .strict();
export type RoutingThresholds = z.infer<typeof RoutingThresholdsSchema>;

/** An override names only what it changes; per_category entries merge over the bundled ones. */
const OverrideSchema = z
  .object({
    default: ThresholdSchema.optional(),
    per_category: z.record(z.string(), ThresholdSchema).optional(),
  })
  .strict();

export function thresholdFor(category: string, thresholds: RoutingThresholds): number {
  return Object.hasOwn(thresholds.per_category, category) ? thresholds.per_category[category]! : thresholds.default;
}

export function routingFor(category: string, confidence: number, thresholds: RoutingThresholds): Routing {
  const t = thresholdFor(category, thresholds);
  // NaN fails the comparison and goes to review, as anything the model cannot vouch for should.
  return t < 1 && confidence >= t ? "auto" : "review";
}

export type ThresholdsResult = { ok: true; thresholds: RoutingThresholds } | { ok: false; error: string };

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");
}

function unknownCategories(thresholds: { per_category?: Record<string, number> }, categories: readonly string[]): string[] {
  return Object.keys(thresholds.per_category ?? {}).filter((c) => !categories.includes(c));
}

/**
 * Validates thresholds against the categories the model knows: a per-category entry for a
 * name it never predicts (a typo, another taxonomy) would silently do nothing.
 */
export function parseThresholds(value: unknown, categories: readonly string[] = CATEGORIES): ThresholdsResult {
  const parsed = RoutingThresholdsSchema.safeParse(value);
  if (!parsed.success) return { ok: false, error: `routing thresholds: ${describe(parsed.error)}` };
  const unknown = unknownCategories(parsed.data, categories);
  if (unknown.length) {
    return { ok: false, error: `routing thresholds: unknown categor${unknown.length > 1 ? "ies" : "y"} ${unknown.map((c) => `"${c}"`).join(", ")} (known: ${categories.join(", ")})` };
  }
  return { ok: true, thresholds: parsed.data };
}

/** The format train:bands writes; only `thresholds` matters at runtime, the rest says how they were chosen. */
export const ROUTING_FORMAT = "smart-support-routing/1";

export function loadRoutingArtifact(artifact: unknown, categories: readonly string[] = CATEGORIES): ThresholdsResult {
  const format = (artifact as { format?: unknown } | null)?.format;
  if (format !== ROUTING_FORMAT) return { ok: false, error: `routing artefact: format must be "${ROUTING_FORMAT}", got ${JSON.stringify(format)}` };
  return parseThresholds((artifact as { thresholds?: unknown }).thresholds, categories);
}

/**
 * The bundled thresholds with REVIEW_THRESHOLDS applied, e.g.
 * `{"default": 0.8, "per_category": {"Legal": 0.95}}`. A malformed value is returned as an
 * error for the caller to report as a configuration problem; it is never half-applied.
 */
export function thresholdsFromEnv(
  env: { REVIEW_THRESHOLDS?: string | undefined },
  base: ThresholdsResult = loadRoutingArtifact(bundled),
  categories: readonly string[] = CATEGORIES,
): ThresholdsResult {
  if (!base.ok) return base;
  const raw = env.REVIEW_THRESHOLDS;
  if (raw === undefined || raw.trim() === "") return base;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    return { ok: false, error: `REVIEW_THRESHOLDS is not valid JSON (${(e as Error).message})` };
  }
  const parsed = OverrideSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, error: `REVIEW_THRESHOLDS: ${describe(parsed.error)}; expected {"default"?: 0..1, "per_category"?: {"<category>": 0..1}}` };
  }
  const unknown = unknownCategories(parsed.data, categories);
  if (unknown.length) {
    return { ok: false, error: `REVIEW_THRESHOLDS: unknown categor${unknown.length > 1 ? "ies" : "y"} ${unknown.map((c) => `"${c}"`).join(", ")} (known: ${categories.join(", ")})` };
  }
  return {
    ok: true,
    thresholds: {
      default: parsed.data.default ?? base.thresholds.default,
      per_category: { ...base.thresholds.per_category, ...parsed.data.per_category },
    },
  };
}
