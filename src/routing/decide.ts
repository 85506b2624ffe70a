/**
 * The category of a ticket from M1's scores and the rules (models/rules/default.json).
 *
 * Combination (log-linear, so the result stays a probability):
 *   e_c        = min(maxEvidence, matched rules of category c in one language, the language
 *                where c has most) — a Spanish ticket that hits both the English and the
 *                Spanish "error" rule has one piece of evidence, not two
 *   combined_c = p_c · exp(boost · e_c) / Σ_k p_k · exp(boost · e_k)
 * and the category is the argmax of `combined`. With no rule matched, or rules of every
 * category matched equally often, this is the model's own answer. A rule overturns the
 * model exactly when p_rule / p_top > exp(−boost · Δe): a confident model keeps its call,
 * an unsure one yields. `boost` and `maxEvidence` live in the rules file and are chosen by
 * near-duplicate-grouped CV (npm run train:rules, models/rules/metrics.json).
 * `reason.decided_by` is "rule" only when the rules changed the category.
 */
import type { M1Prediction } from "../m1/model.ts";
import type { Category } from "../ml/categories.ts";
import { defaultRules } from "../rules/default.ts";
import { matchRules, type CompiledRules, type RuleHit } from "../rules/match.ts";
import type { Combine } from "../rules/schema.ts";
import type { RoutingReason } from "../schemas/routing.ts";

export type Decision = {
  category: Category;
  confidence: number;
  scores: Record<Category, number>;
  reason: RoutingReason;
};

const fmt = (p: number) => p.toFixed(2);

/** Per category, its matched rules counted within the language where it has most. */
export function evidenceOf(hits: readonly RuleHit[]): Map<string, number> {
  const perLanguage = new Map<string, number>();
  const evidence = new Map<string, number>();
  for (const h of hits) {
    const key = `${h.category}\u0000${h.language}`;
    const n = (perLanguage.get(key) ?? 0) + 1;
    perLanguage.set(key, n);
    evidence.set(h.category, Math.max(evidence.get(h.category) ?? 0, n));
  }
  return evidence;
}

/** The combination alone, for the evaluation (training/eval-rules.ts) and the tests. */
export function combine(m1: M1Prediction, hits: readonly RuleHit[], constants: Combine): Decision {
  const categories = Object.keys(m1.scores) as Category[];
  const evidence = evidenceOf(hits);
  const weight = (c: Category) => Math.exp(constants.boost * Math.min(constants.maxEvidence, evidence.get(c) ?? 0));
  const raw = categories.map((c) => m1.scores[c] * weight(c));
  const total = raw.reduce((s, v) => s + v, 0);
  const scores = Object.fromEntries(categories.map((c, i) => [c, total > 0 ? raw[i]! / total : m1.scores[c]])) as Record<Category, number>;
  // Ties go to the model's choice, so equal evidence never moves a ticket.
  let category = m1.category;
  for (const c of categories) if (scores[c] > scores[category] + 1e-12) category = c;
  const ids = hits.map((h) => h.id);
  const ruleCats = [...new Set(hits.map((h) => h.category))];
  const model = `model said ${m1.category} (${fmt(m1.confidence)})`;
  let detail: string;
  if (hits.length === 0) detail = `no rule matched; ${model}`;
  else if (category !== m1.category) detail = `rules ${ids.join(", ")} point to ${category}; ${model}, ${category} now ${fmt(scores[category])}`;
  else detail = `rules ${ids.join(", ")} (${ruleCats.join(", ")}) matched; ${model}, kept at ${fmt(scores[category])}`;
  return {
    category,
    confidence: scores[category],
    scores,
    reason: { decided_by: category === m1.category ? "model" : "rule", rules: ids, detail },
  };
}

/** M1's prediction combined with the given rules. */
export function decideWith(rules: CompiledRules, subject: string, body: string, m1: M1Prediction): Decision {
  const known = new Set(Object.keys(m1.scores));
  // Rules of categories the model does not know (another taxonomy's file) cannot vote.
  const hits = matchRules(rules, subject, body).filter((h) => known.has(h.category));
  return combine(m1, hits, rules.file.combine);
}

/** M1's prediction combined with the shipped rules. */
export function decideCategory(subject: string, body: string, m1: M1Prediction): Decision {
  return decideWith(defaultRules(), subject, body, m1);
}
