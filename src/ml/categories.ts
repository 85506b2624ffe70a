/**
 * The routing categories, as the shipped M1 was trained on them: models/m1/taxonomy.json,
 * which `npm run train:m1` writes beside model.json from the artefact's `classes` (a few
 * bytes, so importing it costs nothing at Worker start-up, unlike parsing the 50k-term
 * model). The API enum, OpenAPI, /v1 status and alerts all follow it; which queue feeds
 * which category is training knowledge (training/taxonomy.ts, `train:m1 -- --mapping`).
 */
import taxonomy from "../../models/m1/taxonomy.json" with { type: "json" };

export const TAXONOMY_FORMAT = "smart-support-taxonomy/1";

/**
 * What a category name may look like. The names reach JSON enums, query strings and chat
 * alerts unescaped (src/webhooks/payload.ts), so markup characters (& < > * _ ~ ` |) are out;
 * and a classification report's summary rows own the reserved names.
 */
export const CATEGORY_NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} /.+-]*$/u;
export const CATEGORY_NAME_MAX = 64;
export const RESERVED_CATEGORY_NAMES: readonly string[] = ["accuracy", "macro avg", "weighted avg"];

/** Why `name` cannot be a category, or null when it can. */
export function categoryNameProblem(name: string): string | null {
  if (name.length === 0 || name.trim() !== name) return "must be non-empty without surrounding spaces";
  if (name.length > CATEGORY_NAME_MAX) return `must be at most ${CATEGORY_NAME_MAX} characters`;
  if (!CATEGORY_NAME_PATTERN.test(name)) return "must start with a letter or digit and hold only letters, digits, spaces and / . + -";
  if (RESERVED_CATEGORY_NAMES.includes(name.toLowerCase())) return "is reserved (a report's summary row)";
  return null;
}

/** The category list of a taxonomy artefact: at least two distinct valid names, in the model's class order. */
export function parseTaxonomy(json: unknown, source = "models/m1/taxonomy.json"): readonly [string, ...string[]] {
  const t = json as { format?: unknown; classes?: unknown } | null;
  if (t?.format !== TAXONOMY_FORMAT) throw new Error(`${source}: format must be ${TAXONOMY_FORMAT} (retrain with npm run train:m1)`);
  const classes = t.classes;
  if (!Array.isArray(classes) || classes.length < 2) throw new Error(`${source}: classes must list at least two categories`);
  for (const c of classes) {
    const problem = typeof c === "string" ? categoryNameProblem(c) : "must be a string";
    if (problem) throw new Error(`${source}: category ${JSON.stringify(c)} ${problem}`);
  }
  if (new Set(classes).size !== classes.length) throw new Error(`${source}: classes must be distinct`);
  return Object.freeze([...(classes as string[])]) as unknown as readonly [string, ...string[]];
}

export const CATEGORIES = parseTaxonomy(taxonomy);
/** A category name; which names exist is only known from the artefact, so the type is string. */
export type Category = string;

/** Whether two class lists hold the same categories (order aside). */
export function sameCategories(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join("\u0000") === [...b].sort().join("\u0000");
}
