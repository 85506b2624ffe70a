/**
 * The rules file (models/rules/default.json): words and phrases per category and
 * language, and the two constants that combine their hits with the model's scores
 * (src/routing/decide.ts). Validated here so a bad file fails at load with the field
 * that is wrong, never with a wrong routing later.
 */
import { z } from "zod";

export const RULES_FORMAT = "smart-support-rules/1";
/** The languages with a stemmer (src/rules/stemmers.ts). */
export const RULE_LANGUAGES = ["en", "de", "es", "fr", "pt"] as const;
export type RuleLanguage = (typeof RULE_LANGUAGES)[number];

/** A word or phrase; "*word" (one word) also matches compounds ending in it ("*ausfall" → "Serverausfall"). */
const TermSchema = z
  .string()
  .trim()
  .min(1, "a term must not be empty")
  .refine((t) => !t.startsWith("*") || (/^\*[\p{L}\p{N}]+$/u.test(t) && t.length > 4), {
    message: 'a "*" term is one word of at least 4 letters after the "*"',
  })
  .refine((t) => /[\p{L}\p{N}]/u.test(t), { message: "a term needs at least one letter or digit" });

export const RuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "an id is lower-case letters, digits, '.', '_' or '-'"),
    category: z.string().min(1),
    language: z.enum(RULE_LANGUAGES),
    /** Any one of these matching is a hit. */
    terms: z.array(TermSchema).min(1, "a rule needs at least one term"),
    /** When present, one of these must match too (anywhere in the ticket): narrows a broad term. */
    with: z.array(TermSchema).min(1).optional(),
    /** Match on the language's stem (default) or on the folded word exactly, for words whose stem collides. */
    stem: z.boolean().default(true),
  })
  .strict();

export const CombineSchema = z
  .object({
    /** Added to a category's log-probability per matched rule of it. */
    boost: z.number().min(0).max(50),
    /** Matched rules counted per category at most. */
    maxEvidence: z.number().int().min(1).max(10),
  })
  .strict();

export const RulesFileSchema = z
  .object({
    format: z.literal(RULES_FORMAT),
    description: z.string().optional(),
    categories: z.array(z.string().min(1)).min(1),
    combine: CombineSchema,
    rules: z.array(RuleSchema),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.rules.forEach((rule, i) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `duplicate rule id "${rule.id}"` });
      seen.add(rule.id);
      if (!file.categories.includes(rule.category)) {
        ctx.addIssue({
          code: "custom",
          path: ["rules", i, "category"],
          message: `"${rule.category}" is not one of categories (${file.categories.join(", ")})`,
        });
      }
    });
  });

export type Rule = z.output<typeof RuleSchema>;
export type Combine = z.output<typeof CombineSchema>;
export type RulesFile = z.output<typeof RulesFileSchema>;

export class RulesFileError extends Error {
  override readonly name = "RulesFileError";
}

/** The parsed file, or a RulesFileError listing every problem as `path: message`. */
export function parseRulesFile(value: unknown, source = "rules file"): RulesFile {
  const parsed = RulesFileSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
  throw new RulesFileError(`${source} is invalid: ${problems.join("; ")}`);
}
